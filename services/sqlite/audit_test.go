package sqlite

import (
	"testing"

	"github.com/campusnav/engine/services/storetest"
)

func TestAuditStore(t *testing.T) {
	storetest.Audit(t, func(t *testing.T) storetest.AuditStore { return openTemp(t) }, tamper)
}

// tamper runs stmt as someone holding the file would: the triggers that
// keep the log append-only dropped first.
func tamper(t *testing.T, s storetest.AuditStore, stmt string, args ...any) {
	t.Helper()
	for _, tr := range []string{"audit_log_appended", "audit_log_no_update", "audit_log_no_delete"} {
		if _, err := s.SQL().ExecContext(t.Context(), "DROP TRIGGER "+tr); err != nil {
			t.Fatalf("dropping %s: %v", tr, err)
		}
	}
	if _, err := s.SQL().ExecContext(t.Context(), stmt, args...); err != nil {
		t.Fatalf("tampering: %v", err)
	}
}

func BenchmarkAppend(b *testing.B) {
	storetest.BenchAppend(b, openTemp(b))
}
