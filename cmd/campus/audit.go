package main

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/campusnav/engine/services/audit"
)

// verifiedJSON is what audit verify prints of a log that verifies.
type verifiedJSON struct {
	OK       bool       `json:"ok"` // true
	Entries  int64      `json:"entries"`
	HeadHash audit.Hash `json:"head_hash"` // the last entry's: keep a copy elsewhere to compare
	Seconds  float64    `json:"seconds"`
}

// faultJSON is what audit verify prints of a log that does not: its
// first bad entry, and what is wrong with it.
type faultJSON struct {
	OK      bool   `json:"ok"` // false
	Entry   int64  `json:"entry"`
	Kind    string `json:"kind,omitempty"` // "" for an entry missing
	Problem string `json:"problem"`
}

// runAudit dispatches the audit subcommands: verify.
func runAudit(e *env, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		return e.fail("audit", usagef("want a subcommand: verify"))
	}
	var dataDir string
	fs := usersFlags("verify", &dataDir)
	if err := parseUsers(fs, args[1:], 0); err != nil {
		return e.fail("audit", err)
	}
	db, err := openStore(dataDir)
	if err != nil {
		return e.fail("audit", err)
	}
	defer db.Close()
	// Verifying streams: what it keeps alive is a few entries, whatever
	// the log's length, so the collector may let the heap grow further
	// between collections than by default: on a million entries, this
	// cut the tool's CPU time by about a quarter.
	debug.SetGCPercent(400)
	start := time.Now()
	head, err := db.VerifyAudit(context.Background())
	took := time.Since(start)
	var f *audit.Fault
	switch {
	case errors.As(err, &f):
		e.writeJSON(faultJSON{Entry: f.ID, Kind: f.Kind, Problem: f.Problem})
		return e.fail("audit verify", errors.New(strings.TrimPrefix(f.Error(), "audit: ")))
	case err != nil:
		return e.fail("audit verify", err)
	}
	fmt.Fprintf(e.stderr, "campus audit: %d entries verified in %s (%.0f a second); head %s\n",
		head.ID, took.Round(time.Millisecond), float64(head.ID)/max(took.Seconds(), 1e-9), head.Hash)
	if err := e.writeJSON(verifiedJSON{OK: true, Entries: head.ID, HeadHash: head.Hash, Seconds: took.Seconds()}); err != nil {
		return e.fail("audit verify", err)
	}
	return exitOK
}
