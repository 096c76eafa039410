package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campusnav/engine/services/ledger"
	"github.com/campusnav/engine/services/sqlite"
)

func TestLedgerVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w := ledger.Wallet(7)
	for _, p := range []ledger.Posting{{Source: ledger.World, Destination: w, Amount: 3000}, {Source: w, Destination: ledger.Merchant("cafe"), Amount: 1200}} {
		kind := ledger.KindTopUp
		if p.Source == w {
			kind = ledger.KindPayment
		}
		if _, _, err := db.Commit(ctx, ledger.Transaction{Kind: kind, Postings: []ledger.Posting{p}}); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := campusRun(t, "ledger", "verify", "--data-dir", dir)
	if code != exitOK || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("a sound ledger: %d %s %s", code, out, errs)
	}
	// Someone with the file changes a balance behind the ledger's back.
	if _, err := db.SQL().ExecContext(ctx, "UPDATE ledger_accounts SET balance_fen = 99999 WHERE address = ?", w); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, errs = campusRun(t, "ledger", "verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, `"account":"wallet:7"`) || !strings.Contains(errs, "99999") {
		t.Errorf("a changed balance: %d %s %s", code, out, errs)
	}
}
