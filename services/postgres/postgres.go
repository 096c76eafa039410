// Package postgres is the server engine: a PostgreSQL database, through a
// pgx connection pool and pgx's database/sql driver, under the services'
// store (services/store), which holds the SQL and the logic, as it does
// over services/sqlite. This package owns what is PostgreSQL's own:
// connecting, its schema (migrations), reading its errors, and its
// dialect (timestamptz; row locks). The schema is migrated on Open, under
// an advisory lock, so replicas starting together migrate it once.
//
// The tables live in the first schema of the search_path, which a URL may
// set: postgres://host/db?search_path=campus (sent as a run-time
// parameter), or ?options=-c%20search_path%3Dcampus.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/campusnav/engine/services/store"
)

// Dialect is PostgreSQL's, for the services' store.
var Dialect = store.Dialect{
	Name:         "postgres",
	Time:         func(t time.Time) any { return t },
	TimeType:     "timestamptz",
	IsUnique:     isUnique,
	IsForeignKey: isForeignKey,
	IsOverlap:    func(err error) bool { return sqlState(err) == codeExclusion },
	IsDeadlock:   func(err error) bool { return sqlState(err) == "40P01" },
	ForUpdate:    " FOR UPDATE",
	TextArray:    func(s []string) any { return s },
	PlanEach:     []any{pgx.QueryExecModeExec},
}

// DB is the services' store on PostgreSQL. It is safe for concurrent use,
// and several processes may open the same database.
type DB struct {
	*store.DB
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
	// database/sql's idle connections stay at its default (2): an idle one
	// holds a connection of the pool, and the pool's others are needed by
	// what uses it directly (River's LISTEN, migrations); handing the rest
	// back after a burst costs little, since the pool keeps them open.
	return &DB{DB: store.New(stdlib.OpenDBFromPool(pool), Dialect), pool: pool}, nil
}

// Pool is the pgx pool under the store, for what needs pgx itself: the
// job queue's LISTEN connection (jobs.Options.Listen).
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// Close closes the database/sql handle, then the pool's connections,
// waiting for those in use.
func (d *DB) Close() error {
	err := d.DB.Close()
	d.pool.Close()
	return err
}

// SQLSTATE codes of the errors translated.
const (
	codeUnique     = "23505" // unique_violation
	codeForeignKey = "23503" // foreign_key_violation
	codeExclusion  = "23P01" // exclusion_violation
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
