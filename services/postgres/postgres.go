// Package postgres is the server store: a PostgreSQL database, through a
// pgx connection pool. It implements the store interfaces the service
// packages declare (auth.Store, places.Store), as services/sqlite does,
// with the same semantics. The schema is migrated on Open, under an
// advisory lock, so replicas starting together migrate it once.
//
// The tables live in the first schema of the search_path, which a URL may
// set: postgres://host/db?search_path=campus (sent as a run-time
// parameter), or ?options=-c%20search_path%3Dcampus.
//
// Errors that are a service's (auth.ErrNotFound, places.ErrNotFound,
// auth.ErrConflict ...) read as that error followed by what was not found,
// in parentheses, with nothing of PostgreSQL in them; other errors start
// "postgres:" and are internal.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/places"
)

// Compile-time proofs that DB is the stores the services need.
var (
	_ auth.Store   = (*DB)(nil)
	_ places.Store = (*DB)(nil)
)

// DB is the PostgreSQL store. It is safe for concurrent use, and several
// processes may open the same database.
type DB struct {
	pool *pgxpool.Pool
}

// Open connects to the database at url (a postgres:// URL or a
// keyword/value string, as pgx reads them) and applies the migrations it
// lacks.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool, migrationFS); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &DB{pool: pool}, nil
}

// Close closes the pool's connections, waiting for those in use.
func (d *DB) Close() { d.pool.Close() }

// Ping reports whether the database answers: the server's readiness.
func (d *DB) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }

// stamp is the time to store for t: now when t is zero, to the microsecond.
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return micros(t)
}

// micros is t as stored: truncated to the microsecond, in UTC. (pgx
// truncates too; PostgreSQL parsing text would round.)
func micros(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// SQLSTATE codes of the errors translated.
const (
	codeUnique     = "23505" // unique_violation
	codeForeignKey = "23503" // foreign_key_violation
)

// sqlState returns the SQLSTATE of a server error, and "" for any other.
func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// isUnique reports a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool { return sqlState(err) == codeUnique }

// isForeignKey reports a FOREIGN KEY violation.
func isForeignKey(err error) bool { return sqlState(err) == codeForeignKey }
