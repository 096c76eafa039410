-- 0008: the sign-in state every replica shares (services/store/authstate.go):
-- limit buckets, pending phone codes, single sign-on flows begun, their
-- counts, and secret keys. Times are INTEGER microseconds, as elsewhere.

-- A token bucket of a limit, as GCRA: tat is when the bucket is full
-- again, in microseconds since the Unix epoch; used is the last attempt
-- (the least recently used are evicted first), allowed its answer.
CREATE TABLE limit_buckets (
	kind    TEXT    NOT NULL,
	key     TEXT    NOT NULL,
	tat     INTEGER NOT NULL,
	used    INTEGER NOT NULL,
	allowed INTEGER NOT NULL CHECK (allowed IN (0, 1)),
	PRIMARY KEY (kind, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX limit_buckets_used ON limit_buckets (kind, used);

-- A sign-in code sent to a phone: only its HMAC. A spent code (used,
-- tried out, or not sent) expires at the epoch.
CREATE TABLE phone_codes (
	phone   TEXT    PRIMARY KEY,
	mac     BLOB    NOT NULL,
	expires INTEGER NOT NULL,
	tries   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX phone_codes_expires ON phone_codes (expires);

-- A single sign-on begun, by its OAuth state. A finished one expires at
-- the epoch.
CREATE TABLE sso_flows (
	state    TEXT    PRIMARY KEY,
	nonce    TEXT    NOT NULL,
	verifier TEXT    NOT NULL,
	expires  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX sso_flows_expires ON sso_flows (expires);

-- How many rows each of those tables keeps (limit buckets: of each
-- kind; others: kind ''), so that a cap holds without counting rows.
CREATE TABLE auth_counts (
	tbl  TEXT    NOT NULL,
	kind TEXT    NOT NULL,
	n    INTEGER NOT NULL,
	PRIMARY KEY (tbl, kind)
) STRICT, WITHOUT ROWID;

-- Secret keys every replica uses alike (the phone codes' HMAC key).
CREATE TABLE auth_keys (
	name TEXT PRIMARY KEY,
	key  BLOB NOT NULL
) STRICT, WITHOUT ROWID;
