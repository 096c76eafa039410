package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/campusnav/engine/services/migrations"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFS holds the migrations, migrations/NNNN_name.sql, numbered
// from 0001 without gaps. A migration, once released, is never edited:
// changes are a new file.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// lockClass is the first key of the advisory lock migrate holds ("camp");
// the second is a hash of the schema migrated, so different schemas of one
// database migrate independently (a hash collision only makes them wait).
const lockClass int32 = 0x63616d70

// lockKey is the advisory lock's two keys, in SQL, with $1 the lockClass.
const lockKey = "$1::int4, hashtext(coalesce(current_schema(), ''))"

// migrate applies the migrations of fsys that the database lacks, each in
// its own transaction together with its row in schema_migrations, so a
// migration is applied whole or not at all. It holds a session advisory
// lock throughout, so processes opening the same new database at once
// apply each migration once: the others wait, then find nothing to do.
func migrate(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS) error {
	ms, err := migrations.Load(fsys)
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock("+lockKey+")", lockClass); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock("+lockKey+")", lockClass); err != nil {
			// Ending the session releases its locks; Release then
			// drops the connection from the pool.
			conn.Conn().Close(ctx)
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer     PRIMARY KEY,
		applied timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	var have int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	if have > len(ms) {
		return fmt.Errorf("the database is at schema version %d, newer than this program's %d", have, len(ms))
	}
	for _, m := range ms[have:] {
		if err := apply(ctx, conn, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// apply runs one migration and records it, in one transaction.
func apply(ctx context.Context, conn *pgxpool.Conn, m migrations.Migration) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	// No arguments: pgx sends it by the simple protocol, which runs
	// several statements.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", m.Version); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
