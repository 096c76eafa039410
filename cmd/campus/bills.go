package main

import (
	"context"
	"os"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/payments"
)

// runBills dispatches the bills subcommands: import.
func runBills(e *env, args []string) int {
	if len(args) == 0 || args[0] != "import" {
		return e.fail("bills", usagef("want a subcommand: import FILE.csv"))
	}
	var c common
	var dataDir string
	fs := newFlags("bills import", &c)
	fs.StringVar(&dataDir, "data-dir", "", "data folder (default $CAMPUS_DATA_DIR or ./"+defaultDataDir+")")
	if _, err := parse(fs, &c, args[1:]); err != nil {
		return e.fail("bills import", err)
	}
	if fs.NArg() != 1 {
		return e.fail("bills import", usagef("give one CSV file (columns %v)", payments.BillColumns))
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return e.fail("bills import", usagef("%v", err))
	}
	defer f.Close()
	v, err := e.load(&c)
	if err != nil {
		return e.fail("bills import", err)
	}
	db, err := openStore(dataDir)
	if err != nil {
		return e.fail("bills import", err)
	}
	defer db.Close()
	svc, err := payments.New(db, nil, v, payments.Config{})
	if err != nil {
		return e.fail("bills import", err)
	}
	// The command line acts as the system (actor 0 in the audit log),
	// with finance's duty.
	issued, skipped, err := svc.ImportBills(context.Background(), auth.User{Role: auth.Admin}, f)
	if err != nil {
		return e.fail("bills import "+fs.Arg(0), err)
	}
	var total int64
	for _, b := range issued {
		total += b.Amount
	}
	if err := e.writeJSON(map[string]any{"issued": len(issued), "skipped": skipped, "amount_fen": total}); err != nil {
		return e.fail("bills import", err)
	}
	return exitOK
}
