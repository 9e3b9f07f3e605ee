package fieldcrypt

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Column describes an encrypted column for Rotate: the table, the primary
// key columns that identify a row, the key ID and ciphertext columns, and
// how the row's AAD is built from its primary key values (as text, in the
// order of Key).
type Column struct {
	Table      string
	Key        []string
	KeyIDCol   string
	Ciphertext string
	AAD        func(key []string) []byte
}

// RotateStats counts what Rotate did.
type RotateStats struct {
	// Rows is how many rows were re-encrypted under the current key.
	Rows int
}

// rotateBatch is how many rows one transaction re-encrypts.
const rotateBatch = 200

// Rotate re-encrypts, under the keyring's current key, every row of col
// whose key ID is another one. It works in batches, each in its own
// transaction, locking the rows it rewrites (SKIP LOCKED, so two rotations
// at once share the work); a row written meanwhile by the service already
// uses the current key and is left alone. It is idempotent (a second run
// finds nothing to do) and resumable (a run stopped half-way leaves every
// row readable, under its old or its new key, and the next run goes on).
// A row whose key is not in the keyring, or that does not decrypt, stops
// the rotation with an error naming its primary key.
func Rotate(ctx context.Context, pool *pgxpool.Pool, ring *Keyring, col Column) (RotateStats, error) {
	var stats RotateStats
	for {
		n, err := rotateOnce(ctx, pool, ring, col)
		stats.Rows += n
		if err != nil {
			return stats, fmt.Errorf("rotate %s.%s: %w", col.Table, col.Ciphertext, err)
		}
		if n == 0 {
			return stats, nil
		}
	}
}

func rotateOnce(ctx context.Context, pool *pgxpool.Pool, ring *Keyring, col Column) (int, error) {
	if len(col.Key) == 0 {
		return 0, errors.New("column has no primary key columns")
	}
	table := pgx.Identifier(strings.Split(col.Table, ".")).Sanitize()
	keyCols := make([]string, len(col.Key))
	keyText := make([]string, len(col.Key))
	where := make([]string, len(col.Key))
	for i, k := range col.Key {
		keyCols[i] = pgx.Identifier{k}.Sanitize()
		keyText[i] = keyCols[i] + "::text"
		where[i] = fmt.Sprintf("%s::text = $%d", keyCols[i], i+4)
	}
	keyID := pgx.Identifier{col.KeyIDCol}.Sanitize()
	ct := pgx.Identifier{col.Ciphertext}.Sanitize()
	// Only the identifiers, checked and quoted above, are spliced in.
	selectSQL := fmt.Sprintf(`SELECT %s, %s, %s FROM %s WHERE %s <> $1 ORDER BY %s LIMIT $2 FOR UPDATE SKIP LOCKED`,
		strings.Join(keyText, ", "), keyID, ct, table, keyID, strings.Join(keyCols, ", "))
	updateSQL := fmt.Sprintf(`UPDATE %s SET %s = $1, %s = $2 WHERE %s = $3 AND %s`,
		table, keyID, ct, keyID, strings.Join(where, " AND "))

	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	rows, err := tx.Query(ctx, selectSQL, ring.CurrentID(), rotateBatch)
	if err != nil {
		return 0, fmt.Errorf("select rows: %w", err)
	}
	type row struct {
		key   []string
		keyID string
		ct    []byte
	}
	var batch []row
	for rows.Next() {
		r := row{key: make([]string, len(col.Key))}
		dest := make([]any, 0, len(col.Key)+2)
		for i := range r.key {
			dest = append(dest, &r.key[i])
		}
		dest = append(dest, &r.keyID, &r.ct)
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, fmt.Errorf("scan row: %w", err)
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("select rows: %w", err)
	}
	for _, r := range batch {
		aad := col.AAD(r.key)
		plain, err := ring.Decrypt(r.keyID, r.ct, aad)
		if err != nil {
			return 0, fmt.Errorf("row %s: %w", strings.Join(r.key, "/"), err)
		}
		newID, newCT, err := ring.Encrypt(plain, aad)
		clear(plain)
		if err != nil {
			return 0, fmt.Errorf("row %s: %w", strings.Join(r.key, "/"), err)
		}
		args := []any{newID, newCT, r.keyID}
		for _, k := range r.key {
			args = append(args, k)
		}
		if _, err := tx.Exec(ctx, updateSQL, args...); err != nil {
			return 0, fmt.Errorf("update row %s: %w", strings.Join(r.key, "/"), err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	return len(batch), nil
}
