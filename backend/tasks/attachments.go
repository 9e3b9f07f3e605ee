package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/blob"
	"github.com/talent-hub/talent/backend/tasks/internal/db"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// Limits of attachments (issue 4 item 1).
const (
	// MaxAttachmentBytes is the largest file a task or delivery takes.
	MaxAttachmentBytes = 20 << 20
	maxFileNameLen     = 200
	// urlLifetime is how long a presigned upload or download URL works.
	urlLifetime = 15 * time.Minute
	sniffBytes  = 512
)

// allowedTypes maps each content type a file may declare to the type
// http.DetectContentType must find in its first bytes.
var allowedTypes = map[string]string{
	"application/pdf": "application/pdf",
	"image/png":       "image/png",
	"image/jpeg":      "image/jpeg",
	"image/gif":       "image/gif",
	"image/webp":      "image/webp",
	"text/plain":      "text/plain",
	"text/markdown":   "text/plain",
	"application/zip": "application/zip",
}

// CreateAttachmentUpload checks a file the caller is about to upload and
// returns a presigned PUT URL for it. The URL signs the content type and
// length, so the object store refuses a different body; the upload is
// verified again by CompleteAttachmentUpload.
func (s *Service) CreateAttachmentUpload(ctx context.Context, req *connect.Request[tasksv1.CreateAttachmentUploadRequest]) (*connect.Response[tasksv1.CreateAttachmentUploadResponse], error) {
	if s.blob == nil {
		return nil, connectError(ErrNoFileStore)
	}
	caller, err := callingUser(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	m := req.Msg
	var vs badrequest.List
	name := path.Base(strings.ReplaceAll(strings.TrimSpace(m.GetFileName()), `\`, "/"))
	if n := utf8.RuneCountInString(name); n == 0 || name == "." || name == "/" || n > maxFileNameLen {
		vs.Add("file_name", "FILE_NAME_INVALID", fmt.Sprintf("The file name must be 1 to %d characters long.", maxFileNameLen))
	}
	ct := strings.ToLower(strings.TrimSpace(m.GetContentType()))
	if _, ok := allowedTypes[ct]; !ok {
		vs.Add("content_type", "FILE_TYPE_NOT_ALLOWED", "Only PDF, PNG, JPEG, GIF, WebP, text, Markdown and ZIP files can be attached.")
	}
	switch size := m.GetSizeBytes(); {
	case size <= 0:
		vs.Add("size_bytes", "FILE_EMPTY", "The file is empty.")
	case size > MaxAttachmentBytes:
		vs.Add("size_bytes", "FILE_TOO_LARGE", "A file can be at most 20 MB.")
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	p, err := s.Parties(ctx, m.GetIdOrRef())
	if err != nil {
		return nil, connectError(err)
	}
	if !p.IsParty(caller) {
		return nil, connectError(ErrNotParty)
	}
	key := fmt.Sprintf("tasks/%s/%s", p.TaskID, uuid.New())
	row, err := db.New(s.db.Primary).InsertAttachment(ctx, db.InsertAttachmentParams{
		TaskID: p.TaskID, UploaderID: caller, ObjectKey: key, FileName: name, ContentType: ct, SizeBytes: m.GetSizeBytes(),
	})
	if err != nil {
		return nil, fmt.Errorf("record attachment: %w", err)
	}
	signed := http.Header{}
	signed.Set("Content-Type", ct)
	signed.Set("Content-Length", fmt.Sprint(m.GetSizeBytes()))
	u, err := s.blob.Client().PresignHeader(ctx, http.MethodPut, blob.DocumentsBucket, key, urlLifetime, nil, signed)
	if err != nil {
		return nil, fmt.Errorf("presign upload: %w", err)
	}
	return connect.NewResponse(&tasksv1.CreateAttachmentUploadResponse{
		AttachmentId:  row.ID.String(),
		UploadUrl:     s.publicURL(u),
		UploadHeaders: map[string]string{"Content-Type": ct},
	}), nil
}

// publicURL is u as the browser reaches it: through the edge's /files/
// route when FilesURLPrefix is set, else the object store's own address.
func (s *Service) publicURL(u *url.URL) string {
	if s.filesPrefix == "" {
		return u.String()
	}
	return s.filesPrefix + u.EscapedPath() + "?" + u.RawQuery
}

// CompleteAttachmentUpload verifies an uploaded file against what was
// announced (size, content type, first bytes) and makes it ready. A file
// that fails is deleted.
func (s *Service) CompleteAttachmentUpload(ctx context.Context, req *connect.Request[tasksv1.CompleteAttachmentUploadRequest]) (*connect.Response[tasksv1.CompleteAttachmentUploadResponse], error) {
	if s.blob == nil {
		return nil, connectError(ErrNoFileStore)
	}
	caller, err := callingUser(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	id, err := parseID("attachment_id", req.Msg.GetAttachmentId())
	if err != nil {
		return nil, connectError(err)
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin complete upload: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	a, err := q.LockAttachment(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && a.UploaderID != caller) {
		return nil, connectError(ErrAttachmentNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("lock attachment: %w", err)
	}
	if a.Status == "pending" {
		if err := s.verifyUpload(ctx, a); err != nil {
			if errors.Is(err, ErrUploadMismatch) {
				if err := q.DeleteAttachment(ctx, a.ID); err != nil {
					return nil, fmt.Errorf("delete refused attachment: %w", err)
				}
				if err := tx.Commit(ctx); err != nil {
					return nil, fmt.Errorf("commit refused attachment: %w", err)
				}
				_ = s.blob.Delete(ctx, blob.DocumentsBucket, a.ObjectKey)
			}
			return nil, connectError(err)
		}
		if err := q.SetAttachmentReady(ctx, a.ID); err != nil {
			return nil, fmt.Errorf("mark attachment ready: %w", err)
		}
		a.Status = "ready"
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit complete upload: %w", err)
	}
	out, err := s.attachmentToProto(ctx, a)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&tasksv1.CompleteAttachmentUploadResponse{Attachment: out}), nil
}

// verifyUpload checks the stored object against the attachment's record.
func (s *Service) verifyUpload(ctx context.Context, a db.TaskAttachment) error {
	c := s.blob.Client()
	info, err := c.StatObject(ctx, blob.DocumentsBucket, a.ObjectKey, minio.StatObjectOptions{})
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return ErrUploadMissing
	}
	if err != nil {
		return fmt.Errorf("stat upload: %w", err)
	}
	if info.Size != a.SizeBytes || info.Size > MaxAttachmentBytes || !strings.EqualFold(info.ContentType, a.ContentType) {
		return ErrUploadMismatch
	}
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(0, sniffBytes-1); err != nil {
		return fmt.Errorf("sniff upload: %w", err)
	}
	obj, err := c.GetObject(ctx, blob.DocumentsBucket, a.ObjectKey, opts)
	if err != nil {
		return fmt.Errorf("sniff upload: %w", err)
	}
	defer obj.Close()
	head, err := io.ReadAll(io.LimitReader(obj, sniffBytes))
	if err != nil {
		return fmt.Errorf("sniff upload: %w", err)
	}
	sniffed := http.DetectContentType(head)
	if !strings.HasPrefix(sniffed, allowedTypes[a.ContentType]) {
		return ErrUploadMismatch
	}
	return nil
}

// attachmentToProto describes a with a fresh presigned download URL.
func (s *Service) attachmentToProto(ctx context.Context, a db.TaskAttachment) (*tasksv1.Attachment, error) {
	out := &tasksv1.Attachment{
		Id: a.ID.String(), FileName: a.FileName, ContentType: a.ContentType, SizeBytes: a.SizeBytes,
		UploaderId: a.UploaderID.String(), CreateTime: timestamppb.New(a.CreateTime),
	}
	if a.DeliveryID != nil {
		out.DeliveryId = a.DeliveryID.String()
	}
	if s.blob != nil {
		params := url.Values{}
		params.Set("response-content-disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.FileName))
		u, err := s.blob.Client().PresignedGetObject(ctx, blob.DocumentsBucket, a.ObjectKey, urlLifetime, params)
		if err != nil {
			return nil, fmt.Errorf("presign download: %w", err)
		}
		out.DownloadUrl = s.publicURL(u)
	}
	return out, nil
}

// attachments lists a task's ready files; delivered ones only with
// withDelivered.
func (s *Service) attachments(ctx context.Context, q *db.Queries, taskID uuid.UUID, withDelivered bool) ([]*tasksv1.Attachment, error) {
	rows, err := q.ListAttachments(ctx, taskID)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	var out []*tasksv1.Attachment
	for _, a := range rows {
		if a.DeliveryID != nil && !withDelivered {
			continue
		}
		p, err := s.attachmentToProto(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ListAttachments lists a task's files with download URLs: the task's own
// files to whoever can see the task, delivered files to its parties.
func (s *Service) ListAttachments(ctx context.Context, req *connect.Request[tasksv1.ListAttachmentsRequest]) (*connect.Response[tasksv1.ListAttachmentsResponse], error) {
	id, refNo, err := idOrRef(req.Msg.GetIdOrRef())
	if err != nil {
		return nil, connectError(err)
	}
	q := db.New(s.db.Primary)
	row, err := getTask(ctx, q, id, refNo)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !visible(ctx, row.Task)) {
		return nil, connectError(ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get task: %w", err)
	}
	caller, _ := principalID(ctx)
	isParty := caller != uuid.Nil && (caller == row.Task.ClientID || (row.Task.ProviderID != nil && *row.Task.ProviderID == caller))
	files, err := s.attachments(ctx, q, row.Task.ID, isParty)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&tasksv1.ListAttachmentsResponse{Attachments: files}), nil
}
