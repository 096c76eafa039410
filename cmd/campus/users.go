package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/sqlite"
)

// defaultDataDir is the data folder when neither --data-dir nor
// $CAMPUS_DATA_DIR says otherwise; the server uses the same.
const defaultDataDir = "campus-data"

// userJSON is an account as the tool prints it.
type userJSON struct {
	ID       int64       `json:"id"`
	Email    string      `json:"email"`
	Role     auth.Role   `json:"role"`
	Disabled bool        `json:"disabled"`
	Created  time.Time   `json:"created"`
	Duties   []auth.Duty `json:"duties"` // held: every duty for an admin
}

func toJSON(u auth.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Role: u.Role, Disabled: u.Disabled, Created: u.Created.UTC(), Duties: u.HeldDuties()}
}

// runUsers dispatches the users subcommands: add, list, disable, grant,
// revoke.
func runUsers(e *env, args []string) int {
	if len(args) == 0 {
		return e.fail("users", usagef("want a subcommand: add, list, disable, grant or revoke"))
	}
	var err error
	switch args[0] {
	case "add":
		err = e.usersAdd(args[1:])
	case "list":
		err = e.usersList(args[1:])
	case "disable":
		err = e.usersDisable(args[1:])
	case "grant":
		err = e.usersDuty(args[1:], true)
	case "revoke":
		err = e.usersDuty(args[1:], false)
	default:
		err = usagef("unknown subcommand %q (want add, list, disable, grant or revoke)", args[0])
	}
	if err != nil {
		return e.fail("users", err)
	}
	return exitOK
}

// usersFlags returns the flag set of a users subcommand, with --data-dir.
func usersFlags(name string, dataDir *string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("users "+name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(dataDir, "data-dir", "", "data folder (default $CAMPUS_DATA_DIR or ./"+defaultDataDir+")")
	return fs
}

// parseUsers parses args, wanting n positional arguments.
func parseUsers(fs *pflag.FlagSet, args []string, n int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return usagef("help requested")
		}
		return usagef("%v", err)
	}
	if fs.NArg() != n {
		return usagef("%s takes %d argument(s), got %d", strings.TrimPrefix(fs.Name(), "users "), n, fs.NArg())
	}
	return nil
}

// accountStore is where accounts are kept, and the audit log their
// sign-ins and changes are recorded in; closed after use.
type accountStore interface {
	auth.Store
	access.Store
	payments.Store
	VerifyAudit(ctx context.Context) (audit.Head, error)
	Close() error
}

// openStore opens the server's store: PostgreSQL when $CAMPUS_DATABASE_URL
// is set, as for campusd; else the database of the data folder: dir, else
// $CAMPUS_DATA_DIR, else ./campus-data, the folder made if missing.
func openStore(dir string) (accountStore, error) {
	if url := os.Getenv("CAMPUS_DATABASE_URL"); url != "" {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			return nil, fmt.Errorf("CAMPUS_DATABASE_URL: %w", err)
		}
		return db, nil
	}
	if dir == "" {
		dir = os.Getenv("CAMPUS_DATA_DIR")
	}
	if dir == "" {
		dir = defaultDataDir
	}
	return sqlite.OpenDir(dir)
}

// usersAdd adds an account; the password is the first line of standard
// input, or typed at the terminal.
func (e *env) usersAdd(args []string) error {
	var dataDir, roleName, email string
	fs := usersFlags("add", &dataDir)
	fs.StringVar(&roleName, "role", "", "staff, student, family, visitor, tourist or admin")
	fs.StringVar(&email, "email", "", "the account's email address")
	if err := parseUsers(fs, args, 0); err != nil {
		return err
	}
	if roleName == "" {
		return usagef("--role: missing (want staff, student, family, visitor, tourist or admin)")
	}
	role, err := auth.ParseRole(roleName)
	if err != nil {
		return usagef("--role: %q is not a role (want staff, student, family, visitor, tourist or admin)", roleName)
	}
	if email == "" {
		return usagef("--email: missing")
	}
	if _, err := auth.NormalizeEmail(email); err != nil {
		return usagef("--email: %q is not an email address", email)
	}
	password, err := e.readPassword(email)
	if err != nil {
		return err
	}
	db, err := openStore(dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := auth.New(db, auth.Options{}).AddUser(context.Background(), email, password, role)
	var fe *auth.FieldError
	switch {
	case errors.As(err, &fe) && fe.Field == "password":
		return usagef("password: %s", fe.Reason)
	case errors.As(err, &fe):
		return usagef("--%s: %s", fe.Field, fe.Reason)
	case errors.Is(err, auth.ErrConflict):
		return fmt.Errorf("%s already exists", strings.ToLower(strings.TrimSpace(email)))
	case err != nil:
		return err
	}
	return e.writeJSON(toJSON(u))
}

// readPassword reads the new password: typed twice without echo when
// standard input is a terminal, else its first line.
func (e *env) readPassword(email string) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fd := int(f.Fd())
		fmt.Fprintf(e.stderr, "Password for %s: ", email)
		p1, err := term.ReadPassword(fd)
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		fmt.Fprint(e.stderr, "Again: ")
		p2, err := term.ReadPassword(fd)
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		if string(p1) != string(p2) {
			return "", usagef("password: the two differ")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if line == "" {
		return "", usagef("password: standard input is empty (give the password as its first line)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// usersList prints every account, by email, as a JSON array.
func (e *env) usersList(args []string) error {
	var dataDir string
	if err := parseUsers(usersFlags("list", &dataDir), args, 0); err != nil {
		return err
	}
	db, err := openStore(dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	us, err := auth.New(db, auth.Options{}).Users(context.Background())
	if err != nil {
		return err
	}
	out := make([]userJSON, len(us))
	for i, u := range us {
		out[i] = toJSON(u)
	}
	return e.writeJSON(out)
}

// usersDisable disables an account and ends its sessions.
func (e *env) usersDisable(args []string) error {
	var dataDir string
	fs := usersFlags("disable", &dataDir)
	if err := parseUsers(fs, args, 1); err != nil {
		return err
	}
	email := fs.Arg(0)
	db, err := openStore(dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	err = auth.New(db, auth.Options{}).Disable(context.Background(), email)
	if errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("no account %s", strings.ToLower(strings.TrimSpace(email)))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "campus users: disabled %s\n", strings.ToLower(strings.TrimSpace(email)))
	return nil
}
