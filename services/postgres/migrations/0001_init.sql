-- 0001: accounts, sessions and saved places.
-- Times are timestamptz, to the microsecond. Emails compare and sort
-- byte by byte (COLLATE "C"), as in the SQLite store, whatever the
-- database's collation.

CREATE TABLE users (
	id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email         text        COLLATE "C" NOT NULL UNIQUE,
	role          text        NOT NULL,
	password_hash text        NOT NULL,
	disabled      boolean     NOT NULL DEFAULT false,
	created       timestamptz NOT NULL
);

-- A session is kept by the SHA-256 (hex) of its token, never the token.
CREATE TABLE sessions (
	token_hash text        PRIMARY KEY,
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires    timestamptz NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE places (
	id      bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id bigint           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name    text             NOT NULL,
	lon     double precision NOT NULL,
	lat     double precision NOT NULL,
	ordinal integer          NOT NULL,
	created timestamptz      NOT NULL
);

CREATE INDEX places_user ON places (user_id, id);
