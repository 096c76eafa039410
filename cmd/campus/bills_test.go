package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/ledger"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/sqlite"
)

func TestBillsImport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := db.CreateUser(ctx, auth.User{Email: "li@campus.example.edu", Role: auth.Student, Created: time.Now()}, "x")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	write := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := "email,room,period,water_from,water_to,electricity_from,electricity_to,amount_fen\n"
	good := write("bills.csv", head+"li@campus.example.edu,D1-302,2026-11,1,3.5,100,160,4820\nLi@campus.example.edu,D1-302,2026-10,0,1,40,100,3900\n")
	code, out, errs := campusRun(t, "bills", "import", good, "--data-dir", dir, "--venue", "../../"+defaultVenue)
	if code != exitOK || !strings.Contains(out, `"issued":2`) || !strings.Contains(out, `"amount_fen":8720`) {
		t.Fatalf("importing: %d %s %s", code, out, errs)
	}
	code, out, _ = campusRun(t, "bills", "import", good, "--data-dir", dir, "--venue", "../../"+defaultVenue)
	if code != exitOK || !strings.Contains(out, `"skipped":2`) {
		t.Errorf("importing again: %d %s", code, out)
	}
	bad := write("bad.csv", head+"li@campus.example.edu,D1-302,2026-12,1,3.5,100,160,4820\nli@campus.example.edu,Z9-999,2026-12,1,2,1,2,100\n")
	code, _, errs = campusRun(t, "bills", "import", bad, "--data-dir", dir, "--venue", "../../"+defaultVenue)
	if code != 1 || !strings.Contains(errs, "line 3, column room") {
		t.Errorf("an unknown room: %d %s", code, errs)
	}
	db, err = sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bs, err := db.Bills(ctx, u.ID, 0, 10)
	if err != nil || len(bs) != 2 || bs[0].Status != payments.Unpaid {
		t.Fatalf("the resident's bills: %+v %v (the refused file issued none)", bs, err)
	}
	if v, _ := db.Balance(ctx, ledger.Receivable); v > -8720 {
		t.Errorf("receivable %d, want at most -8720 (owed)", v)
	}
	if err := db.VerifyLedger(ctx); err != nil {
		t.Error(err)
	}
}
