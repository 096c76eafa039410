package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/campusnav/engine/services/auth"
)

// usersDuty grants (grant) or revokes a duty of an account: campus users
// grant|revoke EMAIL DUTY. The change is the command line's in the audit
// log. It prints the account as it is after (JSON), and on standard
// error what changed, or that nothing did.
func (e *env) usersDuty(args []string, grant bool) error {
	verb, done := "revoke", "revoked %s from %s"
	if grant {
		verb, done = "grant", "granted %s to %s"
	}
	var dataDir string
	fs := usersFlags(verb, &dataDir)
	if err := parseUsers(fs, args, 2); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(fs.Arg(0)))
	d, err := auth.ParseDuty(fs.Arg(1))
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		return usagef("%s", fe.Reason)
	}
	db, err := openStore(dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	changed, err := auth.New(db, auth.Options{}).SetDuty(ctx, auth.User{}, email, d, grant)
	switch {
	case errors.Is(err, auth.ErrNotFound):
		return fmt.Errorf("no account %s", email)
	case errors.As(err, &fe):
		return usagef("%s: %s", fe.Field, fe.Reason)
	case err != nil:
		return err
	}
	u, _, err := db.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	switch {
	case changed:
		fmt.Fprintf(e.stderr, "campus users: "+done+"\n", d, email)
	case grant:
		fmt.Fprintf(e.stderr, "campus users: %s holds %s already; nothing changed\n", email, d)
	default:
		fmt.Fprintf(e.stderr, "campus users: %s does not hold %s; nothing changed\n", email, d)
	}
	return e.writeJSON(toJSON(u))
}
