// Package audit is the tamper-evident audit log (requirement SEC-3):
// logins, permission changes, admin decisions and money operations are
// recorded with who, what, to what, from where and when.
//
// The log is a hash chain. Entry n stores the SHA-256 of entry n-1 and its
// own hash over that link and its fields, and ids run without gaps, so a
// changed, inserted or removed row breaks the chain from there on; Verify
// finds the first such entry. The table refuses UPDATE and DELETE (a
// trigger), and writers are serialized by a transaction-scoped advisory
// lock, so an entry commits or rolls back with the change it records.
//
// Record is called by other services inside their own transactions; the
// Service type serves talent.audit.v1 to auditors.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/audit/internal/db"
)

// Entry is one action to record.
type Entry struct {
	// ActorID is the user who acted; "" for the platform itself.
	ActorID string
	// Action names what happened, area first: "identity.login",
	// "vetting.approve". Required.
	Action string
	// Target is what it happened to, as "kind:id" ("user:…", "task:T-000123").
	Target string
	// IP is the address the actor called from, when known.
	IP string
	// Detail holds anything else worth keeping. It must marshal to a JSON
	// object and must not hold secrets (passwords, codes, full card or ID
	// numbers).
	Detail map[string]any
}

// Record appends e to the audit log inside tx: it commits or rolls back
// with tx. Concurrent writers wait for each other until their transactions
// end, so keep transactions that audit short.
func Record(ctx context.Context, tx pgx.Tx, e Entry) error {
	if e.Action == "" {
		return errors.New("record audit entry: no action")
	}
	var actor *uuid.UUID
	if e.ActorID != "" {
		id, err := uuid.Parse(e.ActorID)
		if err != nil {
			return fmt.Errorf("record audit entry: actor %q: %w", e.ActorID, err)
		}
		actor = &id
	}
	detail := e.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("record audit entry: marshal detail: %w", err)
	}
	q := db.New(tx)
	if err := q.LockChain(ctx); err != nil {
		return fmt.Errorf("record audit entry: lock chain: %w", err)
	}
	head, err := q.ChainHead(ctx, raw)
	if err != nil {
		return fmt.Errorf("record audit entry: read chain head: %w", err)
	}
	row := chainRow{
		ID:       head.LastID + 1,
		Time:     head.Now.UTC().Truncate(time.Microsecond),
		ActorID:  e.ActorID,
		Action:   e.Action,
		Target:   e.Target,
		IP:       e.IP,
		Detail:   head.Detail,
		PrevHash: head.LastHash,
	}
	if actor != nil {
		row.ActorID = actor.String()
	}
	err = q.InsertEntry(ctx, db.InsertEntryParams{
		ID:         row.ID,
		CreateTime: row.Time,
		ActorID:    actor,
		Action:     row.Action,
		Target:     row.Target,
		Ip:         row.IP,
		Detail:     []byte(row.Detail),
		PrevHash:   row.PrevHash,
		Hash:       row.hash(),
	})
	if err != nil {
		return fmt.Errorf("record audit entry: insert: %w", err)
	}
	return nil
}

// Beginner starts transactions; *pgxpool.Pool is one.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// RecordNow appends e in a transaction of its own, for actions that change
// nothing else in the database (a failed login, a data export).
func RecordNow(ctx context.Context, pool Beginner, e Entry) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return Record(ctx, tx, e)
	})
}

// chainRow is what an entry's hash covers.
type chainRow struct {
	ID       int64
	Time     time.Time
	ActorID  string
	Action   string
	Target   string
	IP       string
	Detail   string // jsonb's canonical text
	PrevHash []byte
}

// hash returns SHA-256 over the link to the previous entry and every field,
// each length-prefixed so that no two different rows hash the same bytes.
func (r chainRow) hash() []byte {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	field := func(b []byte) {
		n := binary.PutUvarint(buf[:], uint64(len(b)))
		h.Write(buf[:n])
		h.Write(b)
	}
	field([]byte("talent.audit.v1"))
	field(r.PrevHash)
	field(binary.BigEndian.AppendUint64(nil, uint64(r.ID)))
	field(binary.BigEndian.AppendUint64(nil, uint64(r.Time.UnixMicro())))
	field([]byte(r.ActorID))
	field([]byte(r.Action))
	field([]byte(r.Target))
	field([]byte(r.IP))
	field([]byte(r.Detail))
	return h.Sum(nil)
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	// Checked is the number of entries read.
	Checked int64
	// FirstBrokenID is the first entry whose hash, link to the previous
	// entry or id sequence does not match; 0 when the chain is intact.
	FirstBrokenID int64
}

// Intact reports whether every entry matched.
func (r VerifyResult) Intact() bool { return r.FirstBrokenID == 0 }

// verifyBatch is how many entries Verify reads per query.
const verifyBatch = 1000

// Verify walks the whole chain from the first entry. q is a pool or a
// transaction (a REPEATABLE READ one sees a consistent chain while writers
// go on).
func Verify(ctx context.Context, q db.DBTX) (VerifyResult, error) {
	var res VerifyResult
	queries := db.New(q)
	var prevID int64
	var prevHash []byte
	for {
		rows, err := queries.ScanChain(ctx, db.ScanChainParams{AfterID: prevID, Batch: verifyBatch})
		if err != nil {
			return res, fmt.Errorf("verify audit log: %w", err)
		}
		for _, r := range rows {
			res.Checked++
			row := chainRow{
				ID: r.ID, Time: r.CreateTime.UTC(), Action: r.Action, Target: r.Target,
				IP: r.Ip, Detail: r.Detail, PrevHash: r.PrevHash,
			}
			if r.ActorID != nil {
				row.ActorID = r.ActorID.String()
			}
			if r.ID != prevID+1 || !bytes.Equal(r.PrevHash, prevHash) || !bytes.Equal(row.hash(), r.Hash) {
				res.FirstBrokenID = r.ID
				return res, nil
			}
			prevID, prevHash = r.ID, r.Hash
		}
		if len(rows) < verifyBatch {
			return res, nil
		}
	}
}

// TxBeginner starts transactions with options; *pgxpool.Pool is one.
type TxBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// VerifySnapshot runs Verify in one read-only REPEATABLE READ transaction:
// a consistent chain while writers go on.
func VerifySnapshot(ctx context.Context, db TxBeginner) (VerifyResult, error) {
	var res VerifyResult
	err := pgx.BeginTxFunc(ctx, db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		res, err = Verify(ctx, tx)
		return err
	})
	return res, err
}

// actionPrefixOK reports whether p is a plausible action prefix: the
// characters actions are made of.
func actionPrefixOK(p string) bool {
	return strings.Trim(p, "abcdefghijklmnopqrstuvwxyz0123456789._") == ""
}
