// Package pgtest gives a test a PostgreSQL schema of its own in the test
// database (CAMPUS_TEST_DATABASE_URL), dropped when the test ends, so
// tests of every package share one database without seeing each other.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// URLEnv names the test database.
const URLEnv = "CAMPUS_TEST_DATABASE_URL"

// URL is the test database's URL, or "" when URLEnv is not set.
func URL() string { return os.Getenv(URLEnv) }

// Schema makes a fresh schema in the test database and returns the
// database's URL with it as search_path; it skips the test when URLEnv
// is not set.
func Schema(t testing.TB) string {
	t.Helper()
	base := URL()
	if base == "" {
		t.Skipf("%s is not set; to run this test on PostgreSQL: %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ...", URLEnv, URLEnv)
	}
	return SchemaOf(t, base)
}

// SchemaOf makes a fresh schema in the database at base (a postgres://
// URL or a keyword/value string), dropped when the test ends, and
// returns base with it as search_path (a run-time parameter pgx sends
// when it connects).
func SchemaOf(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "campustest_" + hex.EncodeToString(b)
	ident := pgx.Identifier{schema}.Sanitize()
	admin, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatalf("connecting to the test database: %v", err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(t.Context(), "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := WithSearchPath(base, schema)
	if err != nil {
		t.Fatalf("the test database's URL: %v", err)
	}
	return u
}

// WithSearchPath is base with search_path set to schema.
func WithSearchPath(base, schema string) (string, error) {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
