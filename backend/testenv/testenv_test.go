package testenv_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/talent-hub/talent/backend/blob"
	"github.com/talent-hub/talent/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Run(m) }

func TestDBIsMigratedAndIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := testenv.DB(t)
	b := testenv.DB(t)

	var applied int
	if err := a.Primary.QueryRow(ctx, "SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	if applied == 0 {
		t.Fatalf("template has no migrations applied")
	}

	if _, err := a.Primary.Exec(ctx, "CREATE TABLE only_in_a (id int)"); err != nil {
		t.Fatalf("create table in a: %v", err)
	}
	var found bool
	if err := b.Primary.QueryRow(ctx, "SELECT to_regclass('only_in_a') IS NOT NULL").Scan(&found); err != nil {
		t.Fatalf("look for table in b: %v", err)
	}
	if found {
		t.Fatalf("table created in one test database is visible in another")
	}
	var nameA, nameB string
	_ = a.Primary.QueryRow(ctx, "SELECT current_database()").Scan(&nameA)
	_ = b.Primary.QueryRow(ctx, "SELECT current_database()").Scan(&nameB)
	if nameA == nameB {
		t.Fatalf("both calls got database %q", nameA)
	}
}

func TestDatabaseURLsAreDistinct(t *testing.T) {
	t.Parallel()
	tests := []struct{ name string }{{"first"}, {"second"}, {"third"}}
	seen := make(chan string, len(tests))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seen <- testenv.DatabaseURL(t)
		})
	}
	t.Cleanup(func() {
		close(seen)
		urls := map[string]bool{}
		for u := range seen {
			if urls[u] {
				t.Errorf("database URL %s handed out twice", u)
			}
			urls[u] = true
		}
	})
}

func TestRedisDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	urlA, a := testenv.Redis(t)
	urlB, b := testenv.Redis(t)
	if urlA == urlB {
		t.Fatalf("both calls got %s", urlA)
	}
	if err := a.Set(ctx, "key", "a", 0).Err(); err != nil {
		t.Fatalf("set in a: %v", err)
	}
	if n, err := b.Exists(ctx, "key").Result(); err != nil || n != 0 {
		t.Fatalf("exists in b = %d, %v; want 0", n, err)
	}
	if got, err := a.Get(ctx, "key").Result(); err != nil || got != "a" {
		t.Fatalf("get in a = %q, %v; want a", got, err)
	}
}

func TestMinIOBucketsUsePrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.MinIO(t)
	other := testenv.MinIO(t)
	if env.BucketPrefix == other.BucketPrefix {
		t.Fatalf("both calls got prefix %q", env.BucketPrefix)
	}
	bucket := env.BucketPrefix + "documents"
	if err := env.Client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket %s: %v", bucket, err)
	}
	body := []byte("hello")
	if _, err := env.Client.PutObject(ctx, bucket, "greeting.txt", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("put object: %v", err)
	}
	obj, err := env.Client.GetObject(ctx, bucket, "greeting.txt", minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("get object: %v", err)
	}
	defer obj.Close()
	got, err := io.ReadAll(obj)
	if err != nil || string(got) != "hello" {
		t.Fatalf("read object = %q, %v; want hello", got, err)
	}
}

func TestBlobHasDocumentsBucket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testenv.Blob(t)
	ok, err := store.Client().BucketExists(ctx, blob.DocumentsBucket)
	if err != nil || !ok {
		t.Fatalf("bucket %s exists = %v, %v; want true", blob.DocumentsBucket, ok, err)
	}
}
