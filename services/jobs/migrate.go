package jobs

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/campusnav/engine/services/store"
)

// lockClass is the first key of the PostgreSQL advisory lock held while
// River's tables are migrated ("rivr"); the second is a hash of the
// schema, as the store's own migrations do under their own class.
const lockClass int32 = 0x72697672

// migrate brings River's tables up to date, once when several processes
// start together on a new database. River's migrator reads which
// migrations a database has and then applies the others, each in its own
// transaction, without a lock: two processes could both apply the first.
// So on PostgreSQL a session advisory lock is held around it (the others
// wait, then find nothing to do), and on SQLite all of them run in one
// write transaction, which takes the whole file's write lock when it
// begins (_txlock=immediate) and which SQLite's DDL can share.
func migrate(ctx context.Context, db *store.DB, rd riverdriver.Driver[*sql.Tx], log *slog.Logger) error {
	m, err := rivermigrate.New(rd, &rivermigrate.Config{Logger: quiet(log)})
	if err != nil {
		return err
	}
	if db.Dialect().SingleWriter {
		return db.Tx(ctx, func(tx *sql.Tx) error {
			//lint:ignore SA1019 deprecated because some PostgreSQL migrations cannot share a transaction; SQLite's can, and the transaction is the lock
			_, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil)
			return err
		})
	}

	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	const key = "$1::int4, hashtext(coalesce(current_schema(), ''))"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")", lockClass); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+key+")", lockClass); err != nil {
			// A session's locks end with it: drop the connection.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// quiet is log at warnings and above: the migrator tells each migration
// at info.
func quiet(log *slog.Logger) *slog.Logger {
	if log == nil {
		log = slog.Default()
	}
	return slog.New(atLeast{log.Handler(), slog.LevelWarn})
}

// atLeast passes on the records of h at level or above.
type atLeast struct {
	slog.Handler
	level slog.Level
}

func (a atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= a.level && a.Handler.Enabled(ctx, l)
}

func (a atLeast) WithAttrs(attrs []slog.Attr) slog.Handler {
	return atLeast{a.Handler.WithAttrs(attrs), a.level}
}

func (a atLeast) WithGroup(name string) slog.Handler {
	return atLeast{a.Handler.WithGroup(name), a.level}
}
