package sqlite

import "context"

// Ping reports whether the database answers: the server's readiness.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }
