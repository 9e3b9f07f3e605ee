package pages

import (
	"errors"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// maxUploadBytes is the services' limit, checked before uploading.
const maxUploadBytes = 20 << 20

// fileInput is a file picker that uploads the chosen file at once: the
// task service checks it and presigns a PUT, the browser sends the bytes
// straight to the object store (through the edge's /files/ route), and
// the service verifies what arrived. Delivery files wait in
// marketState.uploaded until the delivery is sent.
func (p *taskPage) fileInput(id string) app.UI {
	l := p.env.lang
	f := &p.m.form
	return f.fieldBox(id, "file", l.T("market.attach"), l.T("market.attach_hint"),
		app.Input().ID(id).Type("file").Class("input").Aria("describedby", "error-file").
			Attr("accept", ".pdf,.png,.jpg,.jpeg,.gif,.webp,.txt,.md,.zip").
			Disabled(f.busy).OnChange(p.upload(id == "delivery-file")))
}

// upload is the file picker's change handler.
func (p *taskPage) upload(forDelivery bool) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		files := ctx.JSSrc().Get("files")
		if p.env.rpc == nil || !files.Truthy() || files.Length() == 0 || p.m.form.busy {
			return
		}
		file := files.Index(0)
		name, ct, size := file.Get("name").String(), file.Get("type").String(), int64(file.Get("size").Int())
		if ct == "" && len(name) > 3 && name[len(name)-3:] == ".md" {
			ct = "text/markdown"
		}
		if size > maxUploadBytes {
			p.m.form.setReasons(p.env.lang, map[string]string{"file": "FILE_TOO_LARGE"})
			return
		}
		p.m.form.busy = true
		p.m.form.reset()
		ref := p.ref
		c := p.env.rpc
		ctx.Async(func() {
			var a *tasksv1.Attachment
			up, err := c.Market.CreateAttachmentUpload(ctx, connect.NewRequest(&tasksv1.CreateAttachmentUploadRequest{
				IdOrRef: ref, FileName: name, ContentType: ct, SizeBytes: size,
			}))
			if err == nil {
				err = putFile(up.Msg.GetUploadUrl(), up.Msg.GetUploadHeaders(), file)
			}
			if err == nil {
				var done *connect.Response[tasksv1.CompleteAttachmentUploadResponse]
				done, err = c.Market.CompleteAttachmentUpload(ctx, connect.NewRequest(&tasksv1.CompleteAttachmentUploadRequest{AttachmentId: up.Msg.GetAttachmentId()}))
				if err == nil {
					a = done.Msg.GetAttachment()
				}
			}
			ctx.Dispatch(func(ctx app.Context) {
				p.m.form.busy = false
				if err != nil {
					pr := rpc.Explain(err)
					for i := range pr.Violations {
						pr.Violations[i].Field = "file"
					}
					p.m.form.fail(p.env.lang, pr, "file")
					return
				}
				if forDelivery {
					p.m.uploaded = append(p.m.uploaded, a)
					return
				}
				p.fetchMarket(ctx)
			})
		})
	}
}

// errUpload is an upload the object store refused or never received.
var errUpload = errors.New("upload failed")

// putFile PUTs file (a browser File) to url with headers, through the
// Fetch API, and waits for the answer.
func putFile(url string, headers map[string]string, file app.Value) error {
	h := app.Window().Get("Object").New()
	for k, v := range headers {
		h.Set(k, v)
	}
	opts := app.Window().Get("Object").New()
	opts.Set("method", "PUT")
	opts.Set("headers", h)
	opts.Set("body", file)
	done := make(chan bool, 1)
	ok := app.FuncOf(func(_ app.Value, args []app.Value) any {
		done <- len(args) > 0 && args[0].Get("ok").Bool()
		return nil
	})
	defer ok.Release()
	fail := app.FuncOf(func(app.Value, []app.Value) any {
		done <- false
		return nil
	})
	defer fail.Release()
	app.Window().Call("fetch", url, opts).Call("then", ok, fail)
	if !<-done {
		return connect.NewError(connect.CodeUnavailable, errUpload)
	}
	return nil
}
