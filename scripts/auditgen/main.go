// Command auditgen appends N made-up entries to the audit log of a
// store, quickly, for measuring `campus audit verify` on a large log: it
// reads the head, computes the chain in Go (services/audit), and inserts
// the entries in multi-row INSERTs (50 rows each), in transactions of
// 1,000, through the same triggers as any append (each row must follow
// the head, which the trigger moves on). It opens the store as `campus`
// does: CAMPUS_DATABASE_URL when set, else the data folder.
//
//	go run ./scripts/auditgen -n 1000000 [--data-dir DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/store"
)

// rows per INSERT, and per transaction. SQLite looks $N parameters up
// by name, in time that grows with the square of their number, so more
// rows per INSERT is slower there; PostgreSQL's head row gets a new
// version for every entry, and a transaction that updates one row many
// times walks ever longer chains of them, so more rows per transaction
// is slower there.
const (
	perInsert = 50
	perTx     = 1000
)

func main() {
	n := flag.Int("n", 1_000_000, "entries to append")
	dir := flag.String("data-dir", "campus-data", "the data folder, when CAMPUS_DATABASE_URL is not set")
	flag.Parse()
	if err := run(*n, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "auditgen:", err)
		os.Exit(1)
	}
}

func open(dir string) (*store.DB, func() error, error) {
	if url := os.Getenv("CAMPUS_DATABASE_URL"); url != "" {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			return nil, nil, err
		}
		return db.DB, db.Close, nil
	}
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		return nil, nil, err
	}
	return db.DB, db.Close, nil
}

func run(n int, dir string) error {
	db, closeDB, err := open(dir)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx := context.Background()
	head, err := db.AuditHead(ctx)
	if err != nil {
		return err
	}
	start, t0 := time.Now(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	prevID, prev := head.ID, head.Hash
	tm := db.Dialect().Time
	for done := 0; done < n; {
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for inTx := 0; inTx < perTx && done < n; {
			k := min(perInsert, n-done, perTx-inTx)
			var q strings.Builder
			q.WriteString("INSERT INTO audit_log (id, at, actor, subject, kind, place, decision, reason, detail, prev_hash, hash) VALUES ")
			args := make([]any, 0, 11*k)
			for i := range k {
				j := int(prevID) + 1
				e := audit.Entry{At: t0.Add(time.Duration(j) * time.Second), Actor: int64(j%5000 + 1),
					Subject: fmt.Sprintf("user%d@hkust-gz.edu.cn", j%5000), Kind: audit.SignIn, Place: fmt.Sprintf("10.0.%d.%d", j/256%256, j%256),
					Decision: audit.Allow, Reason: "right password", Detail: []byte(`{"method":"password"}`)}
				if j%10 == 0 {
					e.Kind, e.Decision, e.Reason = audit.SignInFailed, audit.Deny, "wrong password"
				}
				e = e.Chain(prevID, prev)
				prevID, prev = e.ID, e.Hash
				if i > 0 {
					q.WriteString(", ")
				}
				b := len(args)
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", b+1, b+2, b+3, b+4, b+5, b+6, b+7, b+8, b+9, b+10, b+11)
				args = append(args, e.ID, tm(e.At), e.Actor, e.Subject, e.Kind, e.Place, e.Decision, e.Reason, string(e.Detail), e.PrevHash[:], e.Hash[:])
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				tx.Rollback()
				return fmt.Errorf("entries to %d: %w", prevID, err)
			}
			inTx += k
			done += k
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "auditgen: %d entries appended in %s; the log ends at entry %d\n", n, time.Since(start).Round(time.Millisecond), prevID)
	return nil
}
