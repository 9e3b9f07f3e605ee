package blob_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/talent-hub/talent/backend/blob"
	"github.com/talent-hub/talent/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Run(m) }

func TestOpenCreatesBuckets(t *testing.T) {
	t.Parallel()
	env := testenv.MinIO(t)
	cfg := blob.Config{
		Endpoint:  env.Endpoint,
		AccessKey: env.AccessKey,
		SecretKey: env.SecretKey,
		Buckets:   []string{env.BucketPrefix + "documents", env.BucketPrefix + "invoices"},
	}
	// Twice: the second Open finds the buckets already there.
	for range 2 {
		store, err := blob.Open(t.Context(), cfg)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if err := store.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	}
	for _, b := range cfg.Buckets {
		ok, err := env.Client.BucketExists(t.Context(), b)
		if err != nil || !ok {
			t.Fatalf("bucket %s exists = %v, %v; want true", b, ok, err)
		}
	}
}

func TestPutGetDelete(t *testing.T) {
	t.Parallel()
	store := testenv.Blob(t)
	key := "test/" + t.Name() + "/portfolio.txt"
	const content = "Go, PostgreSQL, 12 years"
	if err := store.Put(t.Context(), blob.DocumentsBucket, key, strings.NewReader(content), int64(len(content)), "text/plain"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	r, err := store.Get(t.Context(), blob.DocumentsBucket, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || string(got) != content {
		t.Fatalf("read = %q, %v; want %q", got, err, content)
	}
	if err := store.Delete(t.Context(), blob.DocumentsBucket, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := store.Get(t.Context(), blob.DocumentsBucket, key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
}
