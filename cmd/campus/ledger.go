package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/campusnav/engine/services/ledger"
)

// runLedger dispatches the ledger subcommands: verify.
func runLedger(e *env, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		return e.fail("ledger", usagef("want a subcommand: verify"))
	}
	var dataDir string
	fs := usersFlags("verify", &dataDir)
	if err := parseUsers(fs, args[1:], 0); err != nil {
		return e.fail("ledger", err)
	}
	db, err := openStore(dataDir)
	if err != nil {
		return e.fail("ledger", err)
	}
	defer db.Close()
	start := time.Now()
	err = db.VerifyLedger(context.Background())
	var f *ledger.Fault
	switch {
	case errors.As(err, &f):
		e.writeJSON(map[string]any{"ok": false, "transaction": f.Tx, "account": f.Account, "kept_fen": f.Kept, "rebuilt_fen": f.Rebuilt})
		return e.fail("ledger verify", errors.New(strings.TrimPrefix(f.Error(), "ledger: ")))
	case err != nil:
		return e.fail("ledger verify", err)
	}
	if err := e.writeJSON(map[string]any{"ok": true, "seconds": time.Since(start).Seconds()}); err != nil {
		return e.fail("ledger verify", err)
	}
	return exitOK
}
