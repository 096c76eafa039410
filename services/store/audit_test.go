package store_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/store"
)

// TestVerifyInParts: a log verified in parts at once names the same
// first bad entry as verified whole, wherever the change falls: inside
// a part, at its start or its end.
func TestVerifyInParts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stmts []string
	}{
		{"a part's end deleted", []string{"DELETE FROM audit_log WHERE id = 5"}},
		{"a part's start deleted", []string{"DELETE FROM audit_log WHERE id = 6"}},
		{"across parts deleted", []string{"DELETE FROM audit_log WHERE id BETWEEN 9 AND 12"}},
		{"a part's end edited", []string{"UPDATE audit_log SET reason = 'x' WHERE id = 10"}},
		{"a part's start relinked", []string{"UPDATE audit_log SET prev_hash = hash WHERE id = 11"}},
		{"in the last part", []string{"UPDATE audit_log SET actor = 99 WHERE id = 18"}},
		{"the last deleted", []string{"DELETE FROM audit_log WHERE id = 20"}},
		{"two changes", []string{"UPDATE audit_log SET kind = 'x' WHERE id = 17", "DELETE FROM audit_log WHERE id = 7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := sqlite.Open(filepath.Join(t.TempDir(), sqlite.FileName))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			ctx := t.Context()
			for i := range 20 {
				e := audit.Entry{At: time.Unix(int64(i), 0), Subject: "s", Kind: audit.SignIn, Decision: audit.Allow}
				if _, err := d.Append(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			verify := func(size int64, most int) error {
				defer store.SetParts(size, most)()
				_, err := d.VerifyAudit(ctx)
				return err
			}
			if err := verify(4, 4); err != nil {
				t.Fatalf("before the change, in parts: %v", err)
			}
			for _, tr := range []string{"audit_log_no_update", "audit_log_no_delete"} {
				if _, err := d.SQL().ExecContext(ctx, "DROP TRIGGER "+tr); err != nil {
					t.Fatal(err)
				}
			}
			for _, stmt := range tc.stmts {
				if _, err := d.SQL().ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
			var whole, parts *audit.Fault
			if err := verify(1<<40, 1); !errors.As(err, &whole) {
				t.Fatalf("whole: %v, want a fault", err)
			}
			if err := verify(4, 4); !errors.As(err, &parts) { // 4 parts of 5
				t.Fatalf("in parts: %v, want a fault", err)
			}
			if parts.ID != whole.ID || parts.Kind != whole.Kind {
				t.Errorf("in parts: %v; whole: %v", parts, whole)
			}
			t.Log(parts)
		})
	}
}
