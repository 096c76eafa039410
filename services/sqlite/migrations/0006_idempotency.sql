-- 0006: Idempotency-Key (services/idempotency): the first answer to a
-- person's keyed request, kept for 24 hours so that a retry gets it
-- again. A key is running while its first request runs (status, headers
-- and body NULL), then done. created is when the key was first used
-- (INTEGER microseconds); keys older than a day are purged by it.

CREATE TABLE idempotency_keys (
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key          TEXT    NOT NULL,
	request_hash TEXT    NOT NULL,
	state        TEXT    NOT NULL CHECK (state IN ('running', 'done')),
	status       INTEGER,
	headers      TEXT,
	body         BLOB,
	created      INTEGER NOT NULL,
	PRIMARY KEY (user_id, key),
	CHECK ((state = 'done') = (status IS NOT NULL))
) STRICT;

CREATE INDEX idempotency_keys_created ON idempotency_keys (created);
