-- 0001: accounts, sessions and saved places.
-- Times are INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	email         TEXT    NOT NULL UNIQUE,
	role          TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
	created       INTEGER NOT NULL
) STRICT;

-- A session is kept by the SHA-256 (hex) of its token, never the token.
CREATE TABLE sessions (
	token_hash TEXT    PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE places (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name    TEXT    NOT NULL,
	lon     REAL    NOT NULL,
	lat     REAL    NOT NULL,
	ordinal INTEGER NOT NULL,
	created INTEGER NOT NULL
) STRICT;

CREATE INDEX places_user ON places (user_id, id);
