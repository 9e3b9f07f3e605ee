package canary

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"
)

// persisted is the state file's content: what ops or the rollback monitor
// decided at runtime, and the config weight the edge had started with.
//
// Which wins at start: the state file's weight (and rollback) when its
// start_weight equals the weight in the config the edge starts with, that
// is when the Caddyfile's weight (TALENT_CANARY_WEIGHT) has not changed
// since; otherwise the config's weight, as a deliberate newer decision, and
// the file is left until the next change overwrites it.
type persisted struct {
	Weight      float64   `json:"weight"`
	StartWeight float64   `json:"start_weight"`
	RolledBack  bool      `json:"rolled_back,omitempty"`
	Changed     time.Time `json:"changed"`
}

// restoreLocked applies the state file on the first configuration of a
// process. s.mu must be held.
func (s *state) restoreLocked(logger *zap.Logger) {
	if s.file == "" {
		return
	}
	b, err := os.ReadFile(s.file)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	var p persisted
	if err == nil {
		err = json.Unmarshal(b, &p)
	}
	if err == nil && (p.Weight < 0 || p.Weight > 100) {
		err = fmt.Errorf("weight %v out of range", p.Weight)
	}
	if err != nil {
		logger.Error("canary state file unreadable; using the config's weight",
			zap.String("name", s.name), zap.String("file", s.file), zap.Error(err))
		return
	}
	if p.StartWeight != s.startWeight {
		logger.Warn("canary state file ignored: the config's start weight changed since it was written",
			zap.String("name", s.name), zap.String("file", s.file),
			zap.Float64("stored_weight", p.Weight), zap.Float64("stored_start_weight", p.StartWeight),
			zap.Float64("config_weight", s.startWeight))
		return
	}
	s.configured = p.Weight
	if p.RolledBack {
		s.rolledBack, s.rolledBackFrom = true, p.Weight
		s.holding.Store(true)
	}
	logger.Info("canary weight restored from the state file",
		zap.String("name", s.name), zap.String("file", s.file),
		zap.Float64("weight", p.Weight), zap.Bool("rolled_back", p.RolledBack),
		zap.Float64("config_weight", s.startWeight), zap.Time("changed", p.Changed))
}

// persistLocked writes the weight in force and the rollback to the state
// file, atomically (temporary file, then rename). A failure is logged: the
// running edge is unaffected, only a restart would forget. s.mu must be
// held.
func (s *state) persistLocked(logger *zap.Logger) {
	if s.file == "" {
		return
	}
	p := persisted{Weight: s.configured, StartWeight: s.startWeight, RolledBack: s.rolledBack, Changed: s.now().UTC()}
	if err := writeFileAtomic(s.file, p); err != nil {
		logger.Error("write canary state file; a restart will not keep this weight",
			zap.String("name", s.name), zap.String("file", s.file), zap.Error(err))
	}
}

func writeFileAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create state file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write state file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace state file: %w", err)
	}
	return nil
}
