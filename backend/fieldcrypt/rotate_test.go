package fieldcrypt_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
)

// testColumn is a table made for the test: rows keyed by (owner, n).
var testColumn = fieldcrypt.Column{
	Table:      "rotate_test",
	Key:        []string{"owner", "n"},
	KeyIDCol:   "key_id",
	Ciphertext: "ct",
	AAD: func(key []string) []byte {
		return fieldcrypt.AAD("rotate_test", "ct", key...)
	},
}

func createRows(t *testing.T, db *postgres.DB, ring *fieldcrypt.Keyring, n int) {
	t.Helper()
	_, err := db.Primary.Exec(t.Context(), `CREATE TABLE IF NOT EXISTS rotate_test (
		owner text, n int, key_id text NOT NULL, ct bytea NOT NULL, PRIMARY KEY (owner, n))`)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		owner := fmt.Sprintf("o%d", i%3)
		id, ct, err := ring.Encrypt(fmt.Appendf(nil, "secret-%d", i), testColumn.AAD([]string{owner, fmt.Sprint(i)}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Primary.Exec(t.Context(), `INSERT INTO rotate_test VALUES ($1, $2, $3, $4)`, owner, i, id, ct); err != nil {
			t.Fatal(err)
		}
	}
}

// checkRows checks every row decrypts to its value under ring and uses
// wantKey.
func checkRows(t *testing.T, db *postgres.DB, ring *fieldcrypt.Keyring, wantKey string, wantRows int) {
	t.Helper()
	rows, err := db.Primary.Query(t.Context(), `SELECT owner, n, key_id, ct FROM rotate_test`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	count := 0
	for rows.Next() {
		var owner, keyID string
		var n int
		var ct []byte
		if err := rows.Scan(&owner, &n, &keyID, &ct); err != nil {
			t.Fatal(err)
		}
		count++
		if keyID != wantKey {
			t.Errorf("row %s/%d: key %s, want %s", owner, n, keyID, wantKey)
		}
		plain, err := ring.Decrypt(keyID, ct, testColumn.AAD([]string{owner, fmt.Sprint(n)}))
		if err != nil || string(plain) != fmt.Sprintf("secret-%d", n) {
			t.Errorf("row %s/%d decrypts to %q, %v", owner, n, plain, err)
		}
	}
	if count != wantRows {
		t.Errorf("%d rows, want %d", count, wantRows)
	}
}

// TestRotate re-encrypts rows under two old keys with a new current key,
// from two rotations at once, then checks a second run does nothing and an
// old key can be dropped (SEC-1).
func TestRotate(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	k1, k2, k3 := fieldcrypt.GenerateKey("k1"), fieldcrypt.GenerateKey("k2"), fieldcrypt.GenerateKey("k3")
	createRows(t, db, mustRing(t, k1), 250)
	// Half-way through an earlier rotation: some rows already under k2.
	ring2 := mustRing(t, k2+","+k1)
	if _, err := db.Primary.Exec(t.Context(), `DELETE FROM rotate_test WHERE n >= 200`); err != nil {
		t.Fatal(err)
	}
	for i := 200; i < 250; i++ {
		owner := fmt.Sprintf("o%d", i%3)
		id, ct, _ := ring2.Encrypt(fmt.Appendf(nil, "secret-%d", i), testColumn.AAD([]string{owner, fmt.Sprint(i)}))
		if _, err := db.Primary.Exec(t.Context(), `INSERT INTO rotate_test VALUES ($1, $2, $3, $4)`, owner, i, id, ct); err != nil {
			t.Fatal(err)
		}
	}

	ring3 := mustRing(t, k3+","+k2+","+k1)
	var wg sync.WaitGroup
	total := make([]int, 2)
	for i := range total {
		wg.Go(func() {
			st, err := fieldcrypt.Rotate(t.Context(), db.Primary, ring3, testColumn)
			if err != nil {
				t.Errorf("Rotate: %v", err)
			}
			total[i] = st.Rows
		})
	}
	wg.Wait()
	if got := total[0] + total[1]; got != 250 {
		t.Errorf("rotations re-encrypted %d rows together, want 250", got)
	}
	checkRows(t, db, ring3, "k3", 250)

	st, err := fieldcrypt.Rotate(t.Context(), db.Primary, ring3, testColumn)
	if err != nil || st.Rows != 0 {
		t.Errorf("second Rotate = %+v, %v; want 0 rows", st, err)
	}
	// After the rotation the old keys can go.
	checkRows(t, db, mustRing(t, k3), "k3", 250)
}

// TestRotateStopsOnBadRow checks that a row that does not decrypt (moved
// from another row) stops the rotation with an error naming the row.
func TestRotateStopsOnBadRow(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	k1, k2 := fieldcrypt.GenerateKey("k1"), fieldcrypt.GenerateKey("k2")
	createRows(t, db, mustRing(t, k1), 3)
	// Copy row 0's ciphertext into row 1: the AAD no longer matches.
	if _, err := db.Primary.Exec(t.Context(),
		`UPDATE rotate_test SET ct = (SELECT ct FROM rotate_test WHERE n = 0) WHERE n = 1`); err != nil {
		t.Fatal(err)
	}
	_, err := fieldcrypt.Rotate(t.Context(), db.Primary, mustRing(t, k2+","+k1), testColumn)
	if !errors.Is(err, fieldcrypt.ErrDecrypt) {
		t.Fatalf("Rotate error = %v, want ErrDecrypt", err)
	}
	if want := "row o1/1"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
}
