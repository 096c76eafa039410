package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/campusnav/engine/services/migrations"
)

// migrationFS holds the migrations, migrations/NNNN_name.sql, numbered
// from 0001 without gaps. A migration, once released, is never edited:
// changes are a new file.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate applies the migrations of fsys that db lacks, each in its own
// transaction together with its row in schema_migrations, so a migration
// is applied whole or not at all. Processes opening the same new file at
// once apply each migration once: the transaction holds the write lock
// from its start, and looks again inside it.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	ms, err := migrations.Load(fsys)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		applied INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	var have int
	if err := db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	if have > len(ms) {
		return fmt.Errorf("the database is at schema version %d, newer than this program's %d", have, len(ms))
	}
	for _, m := range ms[have:] {
		if err := apply(ctx, db, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// apply runs one migration in a transaction, unless it was applied since
// migrate looked.
func apply(ctx context.Context, db *sql.DB, m migrations.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied) VALUES (?, ?)", m.Version, micros(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}
