package postgres

import (
	"testing"

	"github.com/campusnav/engine/services/storetest"
)

func TestAuditStore(t *testing.T) {
	storetest.Audit(t, func(t *testing.T) storetest.AuditStore { return openFresh(t) }, tamper)
}

// tamper runs stmt as a superuser or the table's owner could: the
// triggers that keep the log append-only disabled first.
func tamper(t *testing.T, s storetest.AuditStore, stmt string, args ...any) {
	t.Helper()
	if _, err := s.SQL().ExecContext(t.Context(), "ALTER TABLE audit_log DISABLE TRIGGER USER"); err != nil {
		t.Fatalf("disabling the triggers: %v", err)
	}
	if _, err := s.SQL().ExecContext(t.Context(), stmt, args...); err != nil {
		t.Fatalf("tampering: %v", err)
	}
}

func BenchmarkAppend(b *testing.B) {
	storetest.BenchAppend(b, openFresh(b))
}
