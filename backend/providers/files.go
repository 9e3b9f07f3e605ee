package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/providers/internal/db"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
)

// File kinds, as stored.
const (
	kindPortfolio   = "portfolio"
	kindIDFront     = "id_front"
	kindIDBack      = "id_back"
	kindCertificate = "certificate"
)

// Content types files may have.
const (
	typeJPEG = "image/jpeg"
	typePNG  = "image/png"
	typeWebP = "image/webp"
	typePDF  = "application/pdf"
)

// uploadExpiry is how long a presigned upload stays valid.
const uploadExpiry = 10 * time.Minute

// maxFilenameLen bounds the name kept for a file.
const maxFilenameLen = 200

// fileRule is what one kind of file may be.
type fileRule struct {
	kind     string
	maxBytes int64
	types    []string
}

// fileRules are the size limits and type allow-lists per kind: ID card
// images are images of at most 5 MiB; certificates and portfolio files may
// also be PDFs, of at most 10 MiB.
var fileRules = map[providersv1.FileKind]fileRule{
	providersv1.FileKind_FILE_KIND_ID_FRONT:    {kindIDFront, 5 << 20, []string{typeJPEG, typePNG, typeWebP}},
	providersv1.FileKind_FILE_KIND_ID_BACK:     {kindIDBack, 5 << 20, []string{typeJPEG, typePNG, typeWebP}},
	providersv1.FileKind_FILE_KIND_CERTIFICATE: {kindCertificate, 10 << 20, []string{typeJPEG, typePNG, typeWebP, typePDF}},
	providersv1.FileKind_FILE_KIND_PORTFOLIO:   {kindPortfolio, 10 << 20, []string{typeJPEG, typePNG, typeWebP, typePDF}},
}

func ruleFor(kind string) fileRule {
	for _, r := range fileRules {
		if r.kind == kind {
			return r
		}
	}
	return fileRule{}
}

var kindToProto = map[string]providersv1.FileKind{
	kindPortfolio:   providersv1.FileKind_FILE_KIND_PORTFOLIO,
	kindIDFront:     providersv1.FileKind_FILE_KIND_ID_FRONT,
	kindIDBack:      providersv1.FileKind_FILE_KIND_ID_BACK,
	kindCertificate: providersv1.FileKind_FILE_KIND_CERTIFICATE,
}

// CreateUpload checks what the caller is about to upload and returns a
// presigned POST policy for it: the key, the content type and the
// content-length range are fixed by the signature, so the object store
// itself refuses a larger file or another type.
func (s *Service) CreateUpload(ctx context.Context, req *connect.Request[providersv1.CreateUploadRequest]) (*connect.Response[providersv1.CreateUploadResponse], error) {
	userID, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	m := req.Msg
	rule, ok := fileRules[m.GetKind()]
	if !ok {
		return nil, connectError(violation("kind", "REQUIRED", "Say what the file is for."))
	}
	contentType := strings.ToLower(strings.TrimSpace(m.GetContentType()))
	switch {
	case !slices.Contains(rule.types, contentType):
		return nil, connectError(violation("content_type", "FILE_TYPE_NOT_ALLOWED",
			"This kind of file must be one of: "+strings.Join(rule.types, ", ")+"."))
	case m.GetSizeBytes() <= 0:
		return nil, connectError(violation("size_bytes", "FILE_EMPTY", "The file is empty."))
	case m.GetSizeBytes() > rule.maxBytes:
		return nil, connectError(violation("size_bytes", "FILE_TOO_LARGE",
			fmt.Sprintf("The file is larger than %d MB.", rule.maxBytes>>20)))
	}
	filename := cleanFilename(m.GetFilename())
	fileID := uuid.New()
	key := path.Join("providers", userID.String(), fileID.String())
	row, err := db.New(s.db.Primary).CreateFile(ctx, db.CreateFileParams{
		UserID: userID, Kind: rule.kind, ObjectKey: key, Filename: filename,
		ContentType: contentType, SizeBytes: m.GetSizeBytes(),
	})
	if err != nil {
		return nil, fmt.Errorf("create file: %w", err)
	}
	expires := s.now().Add(uploadExpiry)
	policy := minio.NewPostPolicy()
	for _, set := range []error{
		policy.SetBucket(s.bucket),
		policy.SetKey(key),
		policy.SetExpires(expires.UTC()),
		policy.SetContentType(contentType),
		// The declared size is the most the object may be.
		policy.SetContentLengthRange(1, row.SizeBytes),
	} {
		if set != nil {
			return nil, fmt.Errorf("post policy: %w", set)
		}
	}
	u, fields, err := s.store.Client().PresignedPostPolicy(ctx, policy)
	if err != nil {
		return nil, fmt.Errorf("presign upload: %w", err)
	}
	return connect.NewResponse(&providersv1.CreateUploadResponse{
		FileId:     row.ID.String(),
		Url:        s.browserURL(u),
		FormFields: fields,
		ExpireTime: timestamppb.New(expires),
	}), nil
}

// cleanFilename keeps the base name of what the browser sent, without
// control characters, bounded.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	for utf8.RuneCountInString(name) > maxFilenameLen {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// sniffLen is how many leading bytes CompleteUpload reads to tell the
// file's real type.
const sniffLen = 512

// CompleteUpload verifies the caller's uploaded object: it exists, is no
// larger than the kind allows and than was declared, carries the declared
// content type, and its first bytes are that type. A file that fails is
// deleted, with its object.
func (s *Service) CompleteUpload(ctx context.Context, req *connect.Request[providersv1.CompleteUploadRequest]) (*connect.Response[providersv1.CompleteUploadResponse], error) {
	userID, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	id, err := parseID("file_id", req.Msg.GetFileId())
	if err != nil {
		return nil, connectError(err)
	}
	q := db.New(s.db.Primary)
	f, err := q.GetFile(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && f.UserID != userID) {
		return nil, connectError(ErrFileNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get file: %w", err)
	}
	if f.Status == "ready" {
		return connect.NewResponse(&providersv1.CompleteUploadResponse{File: s.fileToProto(ctx, f, false)}), nil
	}
	size, problem, err := s.verifyObject(ctx, f)
	if err != nil {
		return nil, err
	}
	if problem != nil {
		if problem.Reason != "FILE_NOT_UPLOADED" {
			if err := s.store.Delete(ctx, s.bucket, f.ObjectKey); err != nil {
				return nil, err
			}
			if err := q.DeleteFile(ctx, f.ID); err != nil {
				return nil, fmt.Errorf("delete refused file: %w", err)
			}
		}
		return nil, connectError(problem)
	}
	f, err = q.MarkFileReady(ctx, db.MarkFileReadyParams{ID: f.ID, SizeBytes: size})
	if err != nil {
		return nil, fmt.Errorf("mark file ready: %w", err)
	}
	return connect.NewResponse(&providersv1.CompleteUploadResponse{File: s.fileToProto(ctx, f, false)}), nil
}

// verifyObject checks f's object. It returns the object's size, or the
// reason the file is refused.
func (s *Service) verifyObject(ctx context.Context, f db.ProviderFile) (int64, *PreconditionError, error) {
	c := s.store.Client()
	info, err := c.StatObject(ctx, s.bucket, f.ObjectKey, minio.StatObjectOptions{})
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return 0, &PreconditionError{Field: "file_id", Reason: "FILE_NOT_UPLOADED", Message: "The file has not been uploaded yet."}, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("stat uploaded object: %w", err)
	}
	rule := ruleFor(f.Kind)
	if info.Size <= 0 || info.Size > rule.maxBytes || info.Size > f.SizeBytes {
		return 0, &PreconditionError{Field: "file_id", Reason: "FILE_TOO_LARGE", Message: "The uploaded file is larger than allowed."}, nil
	}
	if !strings.EqualFold(info.ContentType, f.ContentType) {
		return 0, &PreconditionError{Field: "file_id", Reason: "FILE_TYPE_MISMATCH", Message: "The uploaded file is not of the declared type."}, nil
	}
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(0, sniffLen-1); err != nil {
		return 0, nil, fmt.Errorf("range: %w", err)
	}
	obj, err := c.GetObject(ctx, s.bucket, f.ObjectKey, opts)
	if err != nil {
		return 0, nil, fmt.Errorf("read uploaded object: %w", err)
	}
	defer obj.Close()
	head, err := io.ReadAll(io.LimitReader(obj, sniffLen))
	if err != nil {
		return 0, nil, fmt.Errorf("read uploaded object: %w", err)
	}
	if sniffed := sniff(head); sniffed != f.ContentType {
		return 0, &PreconditionError{Field: "file_id", Reason: "FILE_TYPE_MISMATCH", Message: "The file's content is not a " + f.ContentType + " file."}, nil
	}
	return info.Size, nil, nil
}

// sniff returns the content type the first bytes show (the WHATWG
// algorithm of net/http), without parameters.
func sniff(head []byte) string {
	t, _, _ := strings.Cut(http.DetectContentType(head), ";")
	return t
}

// checkFiles reports a violation on field unless every id names a ready
// file of userID of the given kind.
func (s *Service) checkFiles(ctx context.Context, q *db.Queries, userID uuid.UUID, ids []uuid.UUID, field, kind string) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := q.ListFiles(ctx, ids)
	if err != nil {
		return fmt.Errorf("list files: %w", err)
	}
	ok := map[uuid.UUID]bool{}
	for _, f := range rows {
		ok[f.ID] = f.UserID == userID && f.Kind == kind && f.Status == "ready"
	}
	for _, id := range ids {
		if !ok[id] {
			return violation(field, "FILE_INVALID", "A file is not one of your uploaded "+kind+" files.")
		}
	}
	return nil
}

// filesByID loads files with short-lived download links.
func (s *Service) filesByID(ctx context.Context, q *db.Queries, ids []uuid.UUID) (map[uuid.UUID]*providersv1.File, error) {
	out := map[uuid.UUID]*providersv1.File{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.ListFiles(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	for _, f := range rows {
		if f.Status == "ready" {
			out[f.ID] = s.fileToProto(ctx, f, true)
		}
	}
	return out, nil
}

// fileToProto describes f; withURL adds a presigned GET valid for
// documentLinkExpiry, which opens the file inline in the browser.
func (s *Service) fileToProto(ctx context.Context, f db.ProviderFile, withURL bool) *providersv1.File {
	pf := &providersv1.File{
		Id: f.ID.String(), Kind: kindToProto[f.Kind], Filename: f.Filename,
		ContentType: f.ContentType, SizeBytes: f.SizeBytes,
	}
	if withURL {
		params := url.Values{"response-content-type": {f.ContentType}}
		u, err := s.store.Client().PresignedGetObject(ctx, s.bucket, f.ObjectKey, documentLinkExpiry, params)
		if err != nil {
			// Signing is local; a failure leaves the link out.
			s.logger.WarnContext(ctx, "presign document link", "file", f.ID, "err", err)
		} else {
			pf.Url = s.browserURL(u)
		}
	}
	return pf
}

// browserURL is where a browser finds the presigned u: under the edge's
// files route when there is one, else the store's own address. The
// signature covers the store's host, which the edge sets when it proxies.
func (s *Service) browserURL(u *url.URL) string {
	if s.prefix == "" {
		return u.String()
	}
	out := s.prefix + u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}
