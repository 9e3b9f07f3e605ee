package cache_test

import (
	"testing"
	"time"

	"github.com/talent-hub/talent/backend/cache"
	"github.com/talent-hub/talent/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Run(m) }

func TestOpen(t *testing.T) {
	t.Parallel()
	url, _ := testenv.Redis(t)
	client, err := cache.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer client.Close()
	if err := client.Set(t.Context(), "greeting", "hello", time.Minute).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	got, err := client.Get(t.Context(), "greeting").Result()
	if err != nil || got != "hello" {
		t.Fatalf("get = %q, %v; want hello", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	addr := testenv.ClosedAddr(t)
	tests := []struct {
		name, url, want string
	}{
		{"refused", "redis://:s3cret@" + addr + "/0", "connect to redis at " + addr + ": connection refused"},
		{"bad url", "http://" + addr, "parse redis url: redis: invalid URL scheme: http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := cache.Open(t.Context(), tt.url)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Open error = %v, want %q", err, tt.want)
			}
		})
	}
}
