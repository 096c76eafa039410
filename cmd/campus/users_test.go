package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// campusRunIn runs the tool in-process with stdin as standard input.
func campusRunIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// listUsers runs users list on dir and decodes its answer.
func listUsers(t *testing.T, dir string) []userJSON {
	t.Helper()
	code, out, errs := campusRunIn(t, "", "users", "list", "--data-dir", dir)
	if code != exitOK {
		t.Fatalf("users list: exit %d\n%s", code, errs)
	}
	var us []userJSON
	if err := json.Unmarshal([]byte(out), &us); err != nil {
		t.Fatalf("users list printed no JSON array: %v\n%s", err, out)
	}
	return us
}

func TestUsersAddListDisable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "data")
	if us := listUsers(t, dir); len(us) != 0 {
		t.Fatalf("accounts in a new data folder: %+v", us)
	}
	if _, err := os.Stat(sqlite.DataFile(dir)); err != nil {
		t.Fatalf("the data folder and its database were not made: %v", err)
	}
	code, out, errs := campusRunIn(t, "correct horse\nnot this line\n", "users", "add", "--role", "Staff", "--email", "Ada@Example.edu", "--data-dir", dir)
	if code != exitOK {
		t.Fatalf("users add: exit %d\n%s", code, errs)
	}
	var added userJSON
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.Email != "ada@example.edu" || added.Role != auth.Staff || added.ID == 0 {
		t.Fatalf("users add printed %q (%v)", out, err)
	}
	if code, _, errs := campusRunIn(t, "another password\r\n", "users", "add", "--email", "bob@example.edu", "--role", "admin", "--data-dir", dir); code != exitOK {
		t.Fatalf("users add (flags in another order, CRLF): exit %d\n%s", code, errs)
	}

	us := listUsers(t, dir)
	if len(us) != 2 || us[0].Email != "ada@example.edu" || us[1].Email != "bob@example.edu" || us[1].Role != auth.Admin {
		t.Fatalf("users list: %+v", us)
	}
	if d := time.Since(us[0].Created); d < 0 || d > time.Minute || us[0].Disabled {
		t.Errorf("users list: %+v", us[0])
	}
	_, raw, _ := campusRunIn(t, "", "users", "list", "--data-dir", dir)
	for _, key := range []string{`"id":`, `"email":`, `"role":`, `"disabled":`, `"created":`} {
		if !strings.Contains(raw, key) {
			t.Errorf("users list lacks %s: %s", key, raw)
		}
	}
	if strings.Contains(raw, "argon2") || strings.Contains(raw, "password") {
		t.Errorf("users list shows password hashes: %s", raw)
	}

	// The passwords are the first lines, without their line ends.
	db, err := sqlite.Open(sqlite.DataFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.New(db, auth.Options{})
	for email, pw := range map[string]string{"ada@example.edu": "correct horse", "bob@example.edu": "another password"} {
		if _, err := svc.Login(t.Context(), email, pw, "127.0.0.1"); err != nil {
			t.Errorf("Login(%s) with the password given: %v", email, err)
		}
	}
	db.Close()

	code, out, errs = campusRunIn(t, "", "users", "disable", "ADA@example.edu", "--data-dir", dir)
	if code != exitOK || out != "" {
		t.Fatalf("users disable: exit %d\n%s%s", code, out, errs)
	}
	if us := listUsers(t, dir); !us[0].Disabled || us[1].Disabled {
		t.Errorf("after users disable: %+v", us)
	}
	code, _, errs = campusRunIn(t, "", "users", "disable", "nobody@example.edu", "--data-dir", dir)
	if code != exitFail || !strings.Contains(errs, "no account nobody@example.edu") {
		t.Errorf("users disable of no account: exit %d, %q", code, errs)
	}
}

func TestUsersDuplicate(t *testing.T) {
	dir := t.TempDir()
	args := []string{"users", "add", "--role", "student", "--email", "sam@example.edu", "--data-dir", dir}
	if code, _, errs := campusRunIn(t, "correct horse\n", args...); code != exitOK {
		t.Fatalf("users add: exit %d\n%s", code, errs)
	}
	args[5] = "SAM@example.edu"
	code, out, errs := campusRunIn(t, "other password\n", args...)
	if code != exitFail || out != "" || !strings.Contains(errs, "sam@example.edu already exists") {
		t.Errorf("users add of a taken email: exit %d, %q %q; want 1 and \"already exists\"", code, out, errs)
	}
}

func TestUsersDataDirFromEnv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "from-env")
	t.Setenv("CAMPUS_DATA_DIR", dir)
	if code, _, errs := campusRunIn(t, "correct horse", "users", "add", "--role", "visitor", "--email", "v@example.edu"); code != exitOK {
		t.Fatalf("users add: exit %d\n%s", code, errs)
	}
	if us := listUsers(t, dir); len(us) != 1 || us[0].Role != auth.Visitor {
		t.Errorf("users in $CAMPUS_DATA_DIR: %+v", us)
	}
}

func TestUsersUsageErrors(t *testing.T) {
	dir := t.TempDir()
	add := func(extra ...string) []string {
		return append([]string{"users", "add", "--data-dir", dir}, extra...)
	}
	cases := []struct {
		stdin string
		args  []string
		want  string // in standard error
	}{
		{"", []string{"users"}, "subcommand"},
		{"", []string{"users", "remove"}, "remove"},
		{"correct horse", add("--email", "a@example.edu"), "--role"},
		{"correct horse", add("--role", "dean", "--email", "a@example.edu"), "--role"},
		{"correct horse", add("--role", "staff"), "--email"},
		{"correct horse", add("--role", "staff", "--email", "not-an-email"), "--email"},
		{"correct horse", add("--role", "staff", "--email", "Ada <a@example.edu>"), "--email"},
		{"short\n", add("--role", "staff", "--email", "a@example.edu"), "password"},
		{"", add("--role", "staff", "--email", "a@example.edu"), "password"},
		{"\n", add("--role", "staff", "--email", "a@example.edu"), "password"},
		{"correct horse", add("--role", "staff", "--email", "a@example.edu", "extra"), "argument"},
		{"correct horse", add("--role", "staff", "--email", "a@example.edu", "--bogus"), "bogus"},
		{"", []string{"users", "list", "extra"}, "argument"},
		{"", []string{"users", "disable"}, "argument"},
		{"", []string{"users", "disable", "a@example.edu", "b@example.edu"}, "argument"},
	}
	for _, c := range cases {
		code, out, errs := campusRunIn(t, c.stdin, c.args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, c.want) || !strings.Contains(errs, "usage: campus users") {
			t.Errorf("%q: exit %d, %q; want 2 and a message naming %s", c.args, code, errs, c.want)
		}
	}
	if us := listUsers(t, dir); len(us) != 0 {
		t.Errorf("accounts made by failed commands: %+v", us)
	}
}
