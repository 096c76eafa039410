// Package sqlite is the embedded engine: one SQLite file in the data
// folder (modernc.org/sqlite, pure Go, nothing to install), under the
// services' store (services/store), which holds the SQL and the logic.
// This package owns what is SQLite's own: opening the file, its pragmas,
// its schema (migrations), reading its constraint errors, and its dialect
// (times as integer microseconds; one writer). The file is created and
// migrated on Open; every write acknowledged is on disk (WAL,
// synchronous=FULL), so it survives the process being killed.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/campusnav/engine/services/store"
)

// FileName is the name of the database file in the data folder.
const FileName = "campus.db"

// DataFile returns the path of the database file in the data folder dir,
// the one file the server and the command-line tool share.
func DataFile(dir string) string { return filepath.Join(dir, FileName) }

// busyTimeout is how long a write waits for another writer (another
// connection or process) before failing with SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// pragmas are set on every connection the pool opens. journal_mode=WAL is
// kept in the file itself, and set once by Open.
var pragmas = []string{
	fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
	"foreign_keys(1)",
	"synchronous(FULL)",
}

// Dialect is SQLite's, for the services' store.
var Dialect = store.Dialect{
	Name:         "sqlite",
	Time:         func(t time.Time) any { return micros(t) },
	TimeType:     "INTEGER",
	Param:        func(n int) string { return "?" + strconv.Itoa(n) },
	IsUnique:     isUnique,
	IsForeignKey: isForeignKey,
	IsOverlap:    isOverlap,
	SingleWriter: true,
	Relax:        "PRAGMA synchronous=NORMAL",
	Unrelax:      "PRAGMA synchronous=FULL",
}

// maxIdle is how many idle connections the pool keeps.
const maxIdle = 32

// DB is the services' store on an SQLite file. It is safe for concurrent
// use, and several processes may open the same file.
type DB struct {
	*store.DB
	db   *sql.DB
	path string
}

// Open opens the database file at path, creating it (readable by its owner
// only) if it does not exist, and applies the migrations it lacks.
func Open(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: no database path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: %s: a database path may not contain ? or #", path)
	}
	// Made here, not by SQLite, to give the file (and so its -wal and
	// -shm files, which SQLite creates alike) mode 0600: it holds
	// password hashes.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()

	sqldb, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	// Connections are kept, not closed after each burst (database/sql
	// keeps 2 idle by default): a new connection parses the whole schema,
	// River's tables too, and under load that churn cost a third of the
	// requests.
	sqldb.SetMaxIdleConns(maxIdle)
	// Writers take turns on one connection of their own (see
	// store.DB.SetWriter), so its page cache stays warm.
	writer, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	d := &DB{DB: store.New(sqldb, Dialect), db: sqldb, path: path}
	d.SetWriter(writer)
	if err := d.init(context.Background()); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	return d, nil
}

// dsn is the driver's name of the file at path, with the pragmas.
func dsn(path string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	// Write transactions take the write lock when they begin, so two
	// writers queue on busy_timeout rather than one failing to upgrade.
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode()
}

// OpenDir opens the database of the data folder dir (DataFile(dir)),
// creating the folder, readable by its owner only, if it is missing.
func OpenDir(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: data folder: %w", err)
	}
	return Open(DataFile(dir))
}

// init switches the file to WAL and migrates it.
func (d *DB) init(ctx context.Context) error {
	var mode string
	if err := d.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return fmt.Errorf("journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not wal", mode)
	}
	return migrate(ctx, d.db, migrationFS)
}

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// micros is t as stored: microseconds since the Unix epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

// constraint returns the extended result code of a constraint violation
// (sqlite3.SQLITE_CONSTRAINT_UNIQUE, ..._FOREIGNKEY ...), and false for
// any other error. The driver reports extended codes.
func constraint(err error) (int, bool) {
	var e *driver.Error
	if errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		return e.Code(), true
	}
	return 0, false
}

// isUnique reports a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	code, ok := constraint(err)
	return ok && (code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// isOverlap reports a booking refused by the triggers of bookings.
func isOverlap(err error) bool {
	code, ok := constraint(err)
	return ok && code == sqlite3.SQLITE_CONSTRAINT_TRIGGER && strings.Contains(err.Error(), "bookings_no_overlap")
}

// isForeignKey reports a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	code, ok := constraint(err)
	return ok && code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
