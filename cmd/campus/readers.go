package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/services/access"
)

// runReaders manages the card readers of the venue: list them, give one
// a token, revoke it; and simulate a day of campus life against a server.
func runReaders(e *env, args []string) int {
	if len(args) == 0 {
		return e.fail("readers", usagef("want a subcommand: list, token, revoke or simulate"))
	}
	var err error
	switch args[0] {
	case "list":
		err = e.readersList(args[1:])
	case "token":
		err = e.readersToken(args[1:], false)
	case "revoke":
		err = e.readersToken(args[1:], true)
	case "simulate":
		err = e.readersSimulate(args[1:])
	default:
		err = usagef("unknown subcommand %q (want list, token, revoke or simulate)", args[0])
	}
	if err != nil {
		return e.fail("readers", err)
	}
	return exitOK
}

// readerJSON is a reader as `campus readers list` prints it.
type readerJSON struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	Name     string     `json:"name"`
	Guards   string     `json:"guards"`
	Building string     `json:"building,omitempty"`
	Level    string     `json:"level,omitempty"`
	Ordinal  int        `json:"ordinal"`
	At       [2]float64 `json:"at"`
}

// readersList prints the venue's readers (JSON array), of one kind and
// building if asked, all of them or (--role) those a role may see.
func (e *env) readersList(args []string) error {
	var c common
	var kind, building string
	fs := newFlags("readers list", &c)
	fs.StringVar(&kind, "kind", "", "only readers of this kind (gate, barrier, door, elevator, lock, printer, library, pos)")
	fs.StringVar(&building, "building", "", "only readers of this building (its reference, C3)")
	role, err := parse(fs, &c, args)
	if err != nil {
		return err
	}
	v, err := e.load(&c)
	if err != nil {
		return err
	}
	// Every reader for the operator; with --role, only those the role
	// may see where they stand.
	w, asRole := v.View(role), fs.Changed("role")
	out := []readerJSON{}
	for _, r := range v.Readers {
		if kind != "" && r.Kind != kind || asRole && !w.Sees(r) {
			continue
		}
		ref := ""
		if r.Building != nil {
			ref = r.Building.Ref
		}
		if building != "" && ref != building {
			continue
		}
		rj := readerJSON{ID: r.ID, Kind: r.Kind, Name: r.Name.In(c.lang), Building: ref, Ordinal: r.Ordinal}
		if r.Guards != nil {
			rj.Guards = r.Guards.Common().ID
		}
		if r.Level != nil {
			rj.Level = r.Level.ID
		}
		if p, ok := r.Geometry.(orb.Point); ok {
			rj.At = [2]float64{p[0], p[1]}
		}
		out = append(out, rj)
	}
	return e.writeJSON(out)
}

// readersToken prints a new bearer token for a reader (replacing its
// old one), or revokes its token.
func (e *env) readersToken(args []string, revoke bool) error {
	name := "token"
	if revoke {
		name = "revoke"
	}
	var c common
	var dataDir string
	fs := newFlags("readers "+name, &c)
	fs.StringVar(&dataDir, "data-dir", "", "data folder (default $CAMPUS_DATA_DIR or ./"+defaultDataDir+")")
	if _, err := parse(fs, &c, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("readers %s takes one reader id (campus readers list shows them), got %d arguments", name, fs.NArg())
	}
	id := fs.Arg(0)
	v, err := e.load(&c)
	if err != nil {
		return err
	}
	db, err := openStore(dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := access.New(db, v, nil, access.Config{})
	if err != nil {
		return err
	}
	defer svc.Close()
	ctx := context.Background()
	if revoke {
		ok, err := svc.RevokeReader(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintf(e.stderr, "campus readers: %s had no token; nothing changed\n", id)
		}
		return e.writeJSON(map[string]any{"reader": id, "revoked": ok})
	}
	tok, err := svc.NewReaderToken(ctx, id)
	if errors.Is(err, access.ErrNotFound) {
		return usagef("%q is no reader of %s (campus readers list shows them)", id, c.source())
	}
	if err != nil {
		return err
	}
	return e.writeJSON(map[string]string{"reader": id, "token": tok})
}
