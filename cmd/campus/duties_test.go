package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/campusnav/engine/services/auth"
)

func TestUsersGrantRevoke(t *testing.T) {
	dir := t.TempDir()
	add := func(email, role string) {
		t.Helper()
		if code, _, errs := campusRunIn(t, "correct horse\n", "users", "add", "--role", role, "--email", email, "--data-dir", dir); code != exitOK {
			t.Fatalf("users add: %d %s", code, errs)
		}
	}
	add("guard@example.edu", "staff")
	add("root@example.edu", "admin")
	duty := func(want int, args ...string) (userJSON, string) {
		t.Helper()
		code, out, errs := campusRunIn(t, "", append(append([]string{"users"}, args...), "--data-dir", dir)...)
		if code != want {
			t.Fatalf("users %v: exit %d, want %d\n%s", args, code, want, errs)
		}
		var u userJSON
		if code == exitOK {
			if err := json.Unmarshal([]byte(out), &u); err != nil {
				t.Fatalf("users %v printed %q", args, out)
			}
		}
		return u, errs
	}

	u, errs := duty(exitOK, "grant", "Guard@example.edu", "Security")
	if !slices.Equal(u.Duties, []auth.Duty{auth.Security}) || !strings.Contains(errs, "granted security to guard@example.edu") {
		t.Errorf("grant: %+v, %s", u, errs)
	}
	duty(exitOK, "grant", "guard@example.edu", "lab")
	if _, errs := duty(exitOK, "grant", "guard@example.edu", "lab"); !strings.Contains(errs, "holds lab already") {
		t.Errorf("granting again says %q", errs)
	}
	u, errs = duty(exitOK, "revoke", "guard@example.edu", "security")
	if !slices.Equal(u.Duties, []auth.Duty{auth.Lab}) || !strings.Contains(errs, "revoked security from guard@example.edu") {
		t.Errorf("revoke: %+v, %s", u, errs)
	}
	if _, errs := duty(exitOK, "revoke", "guard@example.edu", "desk"); !strings.Contains(errs, "does not hold desk") {
		t.Errorf("revoking what is not held says %q", errs)
	}

	us := listUsers(t, dir)
	if len(us) != 2 || !slices.Equal(us[0].Duties, []auth.Duty{auth.Lab}) || !slices.Equal(us[1].Duties, auth.Duties) {
		t.Errorf("users list: %+v (an admin holds every duty)", us)
	}

	if _, errs := duty(exitUsage, "grant", "guard@example.edu", "janitor"); !strings.Contains(errs, `"janitor" is not a duty (want desk, security, lab, counsellor, sports or finance)`) ||
		!strings.Contains(errs, "usage: campus users") {
		t.Errorf("an unknown duty: %s", errs)
	}
	if _, errs := duty(exitUsage, "grant", "guard@example.edu"); !strings.Contains(errs, "grant takes 2 argument(s), got 1") {
		t.Errorf("a missing duty: %s", errs)
	}
	if _, errs := duty(exitFail, "revoke", "nobody@example.edu", "lab"); !strings.Contains(errs, "no account nobody@example.edu") {
		t.Errorf("no such account: %s", errs)
	}
}
