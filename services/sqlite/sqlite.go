// Package sqlite is the embedded store: one SQLite file in the data folder
// (modernc.org/sqlite, pure Go, nothing to install). It implements the
// store interfaces the service packages declare (auth.Store,
// places.Store). The file is created and migrated on Open; every write
// acknowledged is on disk (WAL, synchronous=FULL), so it survives the
// process being killed.
//
// Errors that are a service's (auth.ErrNotFound, places.ErrNotFound,
// auth.ErrConflict ...) read as that error followed by what was not found,
// in parentheses, with nothing of SQLite in them; other errors start
// "sqlite:" and are internal.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/places"
)

// Compile-time proofs that DB is the stores the services need.
var (
	_ auth.Store   = (*DB)(nil)
	_ places.Store = (*DB)(nil)
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

// DB is the embedded store. It is safe for concurrent use, and several
// processes may open the same file.
type DB struct {
	db   *sql.DB
	path string
	// wmu queues writers in the process: SQLite has one writer at a time,
	// and waiting here (in order) beats each writer polling the lock with
	// busy_timeout's sleeps, whose waits grow long under load.
	wmu sync.Mutex
}

// writing takes the process's write turn; call the function it returns
// when the write is done.
func (d *DB) writing() func() {
	d.wmu.Lock()
	return d.wmu.Unlock
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

	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	// Write transactions take the write lock when they begin, so two
	// writers queue on busy_timeout rather than one failing to upgrade.
	q.Set("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	d := &DB{db: sqldb, path: path}
	if err := d.init(context.Background()); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	return d, nil
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

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// micros is t as stored: microseconds since the Unix epoch.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is a stored time, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// stamp is the time to store for t: now when t is zero, to the microsecond.
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.Truncate(time.Microsecond).UTC()
}

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

// isForeignKey reports a FOREIGN KEY violation.
func isForeignKey(err error) bool {
	code, ok := constraint(err)
	return ok && code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
