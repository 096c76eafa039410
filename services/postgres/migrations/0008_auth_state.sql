-- 0008: the sign-in state every replica shares (services/store/authstate.go):
-- limit buckets, pending phone codes, single sign-on flows begun, their
-- counts, and secret keys.
--
-- All but the keys are UNLOGGED: written without the WAL, so a sign-in's
-- attempts and codes cost no flush to disk. A crash of the database
-- empties them, together (the counts with what they count), as a restart
-- of campusd did when they lived in its memory: limits start full, codes
-- and sign-ins begun are asked for again, and nothing spent comes back.
-- Standbys do not have their rows: a failover starts them empty too.

-- A token bucket of a limit, as GCRA: tat is when the bucket is full
-- again, in microseconds since the Unix epoch (bigint: the statement that
-- takes an attempt does arithmetic on it, alike on both engines); used is
-- the last attempt (the least recently used are evicted first), allowed
-- its answer.
CREATE UNLOGGED TABLE limit_buckets (
	kind    text        COLLATE "C" NOT NULL,
	key     text        COLLATE "C" NOT NULL,
	tat     bigint      NOT NULL,
	used    timestamptz NOT NULL,
	allowed boolean     NOT NULL,
	PRIMARY KEY (kind, key)
);

CREATE INDEX limit_buckets_used ON limit_buckets (kind, used);

-- A sign-in code sent to a phone: only its HMAC. A spent code (used,
-- tried out, or not sent) expires at the epoch.
CREATE UNLOGGED TABLE phone_codes (
	phone   text        COLLATE "C" PRIMARY KEY,
	mac     bytea       NOT NULL,
	expires timestamptz NOT NULL,
	tries   integer     NOT NULL
);

CREATE INDEX phone_codes_expires ON phone_codes (expires);

-- A single sign-on begun, by its OAuth state. A finished one expires at
-- the epoch.
CREATE UNLOGGED TABLE sso_flows (
	state    text        COLLATE "C" PRIMARY KEY,
	nonce    text        NOT NULL,
	verifier text        NOT NULL,
	expires  timestamptz NOT NULL
);

CREATE INDEX sso_flows_expires ON sso_flows (expires);

-- How many rows each of those tables keeps (limit buckets: of each
-- kind; others: kind ''), so that a cap holds without counting rows.
CREATE UNLOGGED TABLE auth_counts (
	tbl  text   COLLATE "C" NOT NULL,
	kind text   COLLATE "C" NOT NULL,
	n    bigint NOT NULL,
	PRIMARY KEY (tbl, kind)
);

-- Secret keys every replica uses alike (the phone codes' HMAC key).
CREATE TABLE auth_keys (
	name text  PRIMARY KEY,
	key  bytea NOT NULL
);
