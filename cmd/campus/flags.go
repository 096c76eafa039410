package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/campusnav/engine/geo"
)

// defaultVenue is the campus archive, relative to the repository's root.
const defaultVenue = "data/floorplans/hkust-gz"

// common holds the flags every spatial command takes.
type common struct {
	venue string
	from  string // where venue came from, to name it in messages: "--venue", "PATH", "$CAMPUS_VENUE"; "" for the default
	role  string
	lang  string
}

// newFlags returns a flag set that accepts flags before or after positional
// arguments (pflag intersperses them), with the common flags.
func newFlags(name string, c *common) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.venue, "venue", "", "IMDF archive: a folder or a .zip (default $CAMPUS_VENUE or "+defaultVenue+")")
	fs.StringVar(&c.role, "role", "tourist", "who asks: staff, student, family, visitor or tourist")
	fs.StringVar(&c.lang, "lang", "en", "language of names: en or zh")
	return fs
}

// parse parses args and checks the common flags.
func parse(fs *pflag.FlagSet, c *common, args []string) (geo.Role, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0, usagef("help requested")
		}
		return 0, usagef("%v", err)
	}
	role, err := geo.ParseRole(c.role)
	if err != nil {
		return 0, usagef("--role: %q is not a role (want staff, student, family, visitor or tourist)", c.role)
	}
	switch strings.ToLower(c.lang) {
	case "en", "zh", "zh-hans":
	default:
		return 0, usagef("--lang: %q is not a language (want en or zh)", c.lang)
	}
	switch {
	case c.venue != "":
		c.from = "--venue"
	case os.Getenv("CAMPUS_VENUE") != "":
		c.venue, c.from = os.Getenv("CAMPUS_VENUE"), "$CAMPUS_VENUE"
	default:
		c.venue, c.from = defaultVenue, ""
	}
	return role, nil
}

// source names the archive as the user gave it: "PATH campus.zip",
// "--venue campus.zip", or the default one.
func (c *common) source() string {
	if c.from == "" {
		return "the default archive " + c.venue
	}
	return c.from + " " + c.venue
}

// load reads the venue; when features were dropped it says so once on
// standard error and goes on with what is sound.
func (e *env) load(c *common) (*geo.Venue, error) {
	if _, err := os.Stat(c.venue); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		hint := ""
		if c.from == "" {
			hint = " (run from the repository's root, or give an archive as --venue PATH or $CAMPUS_VENUE)"
		}
		return nil, usagef("%s: %v%s", c.source(), err, hint)
	}
	v, err := geo.Load(c.venue)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.source(), err)
	}
	if errs, _ := geo.Counts(v.Problems); errs > 0 {
		fmt.Fprintf(e.stderr, "campus: %s: %d features or files in error were left out (see: campus validate %s)\n", c.venue, errs, c.venue)
	}
	return v, nil
}

// parseAt reads a position "LON,LAT,ORDINAL" given to --at.
func parseAt(s string) (geo.Position, error) {
	p, err := geo.ParsePosition(s)
	if err != nil {
		return p, usagef("--at: %s", strings.TrimPrefix(err.Error(), "geo: "))
	}
	return p, nil
}

// writeJSON prints v as JSON on standard output.
func (e *env) writeJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing the answer: %w", err)
	}
	return nil
}
