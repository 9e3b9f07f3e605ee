package pages

import (
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// upload is one file on its way to the object store: the browser asks the
// provider service for a presigned POST (CreateUpload), posts the file
// straight to the store with XMLHttpRequest (which reports progress), then
// asks the service to verify it (CompleteUpload).
type upload struct {
	// FileID is set once the file is uploaded and verified.
	FileID string
	Name   string
	// Percent is the share sent so far, while Busy.
	Percent  int
	Busy     bool
	Checking bool
	// Err is the translated reason the upload failed.
	Err string
}

// status is what to show next to the file input.
func (u *upload) status(e *env) string {
	l := e.lang
	switch {
	case u.Err != "":
		return ""
	case u.Checking:
		return l.T("upload.checking")
	case u.Busy:
		return fmt.Sprintf(l.T("upload.uploading"), u.Percent)
	case u.FileID != "":
		return l.T("upload.done") + ": " + u.Name
	}
	return ""
}

// fileInput renders a file input that uploads what is chosen into u; id is
// the element id, field the request field its errors belong to.
func (e *env) fileInput(id, field, label, hint, accept string, kind providersv1.FileKind, u *upload, f *formState) app.UI {
	class := "field"
	if u.Err != "" || f.has(field) {
		class += " has-error"
	}
	msg := u.Err
	if msg == "" {
		msg = f.errs[field]
	}
	return app.Div().Class(class).Body(
		app.Label().For(id).Text(label),
		app.Input().ID(id).Type("file").Class("input").Accept(accept).
			Aria("describedby", "hint-"+id+" error-"+field).
			OnChange(func(ctx app.Context, ev app.Event) {
				delete(f.errs, field)
				e.startUpload(ctx, ctx.JSSrc(), kind, u)
			}),
		app.P().ID("hint-"+id).Class("hint").Text(hint),
		app.If(u.Busy, func() app.UI {
			return app.Progress().ID("progress-" + id).Class("progress").Max(100).Value(u.Percent)
		}),
		app.P().ID("status-"+id).Class("upload-status").Aria("live", "polite").DataSet("file-id", u.FileID).Text(u.status(e)),
		app.P().ID("error-"+field).Class("field-error").Aria("live", "polite").Text(msg),
	)
}

// startUpload uploads the file chosen in input.
func (e *env) startUpload(ctx app.Context, input app.Value, kind providersv1.FileKind, u *upload) {
	files := input.Get("files")
	if e.rpc == nil || !files.Truthy() || files.Length() == 0 {
		return
	}
	file := files.Index(0)
	*u = upload{Name: file.Get("name").String(), Busy: true}
	req := &providersv1.CreateUploadRequest{
		Kind:        kind,
		Filename:    u.Name,
		ContentType: file.Get("type").String(),
		SizeBytes:   int64(file.Get("size").Float()),
	}
	ctx.Async(func() {
		resp, err := e.rpc.Providers.CreateUpload(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				u.Busy, u.Err = false, e.problemText(rpc.Explain(err))
				return
			}
			e.post(ctx, resp.Msg, file, u)
		})
	})
}

// problemText is the first reason of a failed call, translated.
func (e *env) problemText(p rpc.Problem) string {
	if len(p.Violations) > 0 {
		return e.lang.Reason(p.Violations[0].Reason, p.Violations[0].Description)
	}
	return e.lang.Code(p.Code)
}

// post sends file to the presigned POST in up, then completes the upload.
func (e *env) post(ctx app.Context, up *providersv1.CreateUploadResponse, file app.Value, u *upload) {
	form := app.Window().Get("FormData").New()
	for k, v := range up.GetFormFields() {
		form.Call("append", k, v)
	}
	// The file comes last: the store ignores fields after it.
	form.Call("append", "file", file)
	xhr := app.Window().Get("XMLHttpRequest").New()
	var onProgress, onLoad, onError app.Func
	release := func() {
		onProgress.Release()
		onLoad.Release()
		onError.Release()
	}
	onProgress = app.FuncOf(func(_ app.Value, args []app.Value) any {
		ev := args[0]
		if ev.Get("lengthComputable").Bool() && ev.Get("total").Float() > 0 {
			pct := int(ev.Get("loaded").Float() * 100 / ev.Get("total").Float())
			ctx.Dispatch(func(app.Context) { u.Percent = pct })
		}
		return nil
	})
	onLoad = app.FuncOf(func(app.Value, []app.Value) any {
		status, body := xhr.Get("status").Int(), xhr.Get("responseText").String()
		release()
		if status < 200 || status > 299 {
			msg := e.lang.T("upload.failed")
			switch {
			case strings.Contains(body, "EntityTooLarge"):
				msg = e.lang.T("FILE_TOO_LARGE")
			case strings.Contains(body, "Policy Condition failed"), strings.Contains(body, "AccessDenied"):
				msg = e.lang.T("FILE_TYPE_NOT_ALLOWED")
			}
			ctx.Dispatch(func(app.Context) { u.Busy, u.Err = false, msg })
			return nil
		}
		ctx.Dispatch(func(ctx app.Context) {
			u.Percent, u.Checking = 100, true
			e.complete(ctx, up.GetFileId(), u)
		})
		return nil
	})
	onError = app.FuncOf(func(app.Value, []app.Value) any {
		release()
		ctx.Dispatch(func(app.Context) { u.Busy, u.Err = false, e.lang.T("upload.failed") })
		return nil
	})
	xhr.Get("upload").Call("addEventListener", "progress", onProgress)
	xhr.Call("addEventListener", "load", onLoad)
	xhr.Call("addEventListener", "error", onError)
	xhr.Call("open", "POST", up.GetUrl())
	xhr.Call("send", form)
}

// complete asks the service to verify the uploaded file.
func (e *env) complete(ctx app.Context, fileID string, u *upload) {
	ctx.Async(func() {
		_, err := e.rpc.Providers.CompleteUpload(ctx, connect.NewRequest(&providersv1.CompleteUploadRequest{FileId: fileID}))
		ctx.Dispatch(func(app.Context) {
			u.Busy, u.Checking = false, false
			if err != nil {
				u.Err = e.problemText(rpc.Explain(err))
				return
			}
			u.FileID = fileID
		})
	})
}
