package devstack

// Process ids, for tools that measure the stack (CPU time per process in
// backend/cmd/realtimebench). Postgres' is the postmaster's: its backends
// are its children.

// Pid is the talentd process id.
func (t *Talentd) Pid() int { return t.proc.cmd.Process.Pid }

// Pid is the edge process id.
func (e *Edge) Pid() int { return e.proc.cmd.Process.Pid }

// Pid is the postmaster's process id.
func (p *Postgres) Pid() int { return p.proc.cmd.Process.Pid }

// Pid is the Redis server's process id.
func (r *Redis) Pid() int { return r.proc.cmd.Process.Pid }

// Pid is the MinIO server's process id.
func (m *MinIO) Pid() int { return m.proc.cmd.Process.Pid }
