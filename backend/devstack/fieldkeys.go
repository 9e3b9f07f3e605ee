package devstack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/talent-hub/talent/backend/fieldcrypt"
)

// DevFieldKeys returns the development field encryption keyring kept in
// dir/field-keys, creating it with one random key on first use, so data
// encrypted by one `make run` stays readable in the next. Production sets
// TALENT_FIELD_KEYS from its secret store instead (docs/ops/keys.md).
func DevFieldKeys(dir string) (string, error) {
	path := filepath.Join(dir, "field-keys")
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read dev field keys: %w", err)
	}
	spec := fieldcrypt.GenerateKey("dev1")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.WriteFile(path, []byte(spec+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write dev field keys: %w", err)
	}
	return spec, nil
}
