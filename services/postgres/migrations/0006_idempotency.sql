-- 0006: Idempotency-Key (services/idempotency): the first answer to a
-- person's keyed request, kept for 24 hours so that a retry gets it
-- again. A key is running while its first request runs (status, headers
-- and body NULL), then done. created is when the key was first used;
-- keys older than a day are purged by it. Keys compare byte by byte.

CREATE TABLE idempotency_keys (
	user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key          text        COLLATE "C" NOT NULL,
	request_hash text        NOT NULL,
	state        text        NOT NULL CHECK (state IN ('running', 'done')),
	status       integer,
	headers      text,
	body         bytea,
	created      timestamptz NOT NULL,
	PRIMARY KEY (user_id, key),
	CHECK ((state = 'done') = (status IS NOT NULL))
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created);
