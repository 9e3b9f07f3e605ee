// Package blob stores documents (portfolios, certificates, deliverables,
// invoices, contracts) in MinIO or another S3-compatible object store
// (ARCH-4).
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// DocumentsBucket is the bucket that holds users' documents.
const DocumentsBucket = "talent-documents"

// Config says where the object store is and which buckets must exist.
type Config struct {
	// Endpoint is host:port, without a scheme.
	Endpoint  string
	AccessKey string
	SecretKey string
	// Secure selects HTTPS.
	Secure bool
	// Buckets are created by Open when missing.
	Buckets []string
}

// Store is a connected object store.
type Store struct {
	client  *minio.Client
	buckets []string
}

// ErrNotFound is returned by Get for a missing object.
var ErrNotFound = errors.New("object not found")

// Open connects to the object store and creates the configured buckets that
// do not exist yet.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
	})
	if err != nil {
		return nil, fmt.Errorf("connect to minio at %s: %w", cfg.Endpoint, err)
	}
	s := &Store{client: client, buckets: cfg.Buckets}
	for _, b := range cfg.Buckets {
		if err := s.ensureBucket(ctx, b); err != nil {
			return nil, fmt.Errorf("connect to minio at %s: %w", cfg.Endpoint, rootCause(err))
		}
	}
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context, bucket string) error {
	ok, err := s.client.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", bucket, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{})
	if err != nil {
		// Another process may have created it in the meantime.
		if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
			return nil
		}
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return nil
}

// Client returns the underlying MinIO client for operations Store does not
// wrap.
func (s *Store) Client() *minio.Client { return s.client }

// Ping checks that the object store answers and the configured buckets exist.
func (s *Store) Ping(ctx context.Context) error {
	for _, b := range s.buckets {
		ok, err := s.client.BucketExists(ctx, b)
		if err != nil {
			return fmt.Errorf("ping minio: %w", rootCause(err))
		}
		if !ok {
			return fmt.Errorf("ping minio: bucket %s is missing", b)
		}
	}
	if len(s.buckets) == 0 {
		if _, err := s.client.ListBuckets(ctx); err != nil {
			return fmt.Errorf("ping minio: %w", rootCause(err))
		}
	}
	return nil
}

// Put stores size bytes from r as bucket/key.
func (s *Store) Put(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string) error {
	_, err := s.client.PutObject(ctx, bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("put object %s/%s: %w", bucket, key, err)
	}
	return nil
}

// Get opens bucket/key for reading; the caller closes it. A missing object
// is reported as ErrNotFound.
func (s *Store) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get object %s/%s: %w", bucket, key, err)
	}
	// GetObject is lazy: Stat makes the request and reports a missing key.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, fmt.Errorf("get object %s/%s: %w", bucket, key, ErrNotFound)
		}
		return nil, fmt.Errorf("get object %s/%s: %w", bucket, key, err)
	}
	return obj, nil
}

// Delete removes bucket/key; removing a missing object is not an error.
func (s *Store) Delete(ctx context.Context, bucket, key string) error {
	if err := s.client.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("delete object %s/%s: %w", bucket, key, err)
	}
	return nil
}

// rootCause keeps the operating system's message ("connection refused")
// from a network error and leaves other errors alone.
func rootCause(err error) error {
	if sysErr, ok := errors.AsType[*os.SyscallError](err); ok {
		return sysErr.Err
	}
	if opErr, ok := errors.AsType[*net.OpError](err); ok {
		return opErr.Err
	}
	return err
}
