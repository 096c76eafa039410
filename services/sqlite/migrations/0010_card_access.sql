-- 0010: the campus card and access control (services/access, services/card).
--
-- A card is a person's (one each, made at their first request); its codes
-- are signed with the keys of card_keys (Ed25519; a new one a day, each
-- published until the last certificate and code it signed has expired);
-- a phone registers its own key as a device and signs codes itself.
-- Readers (gates, doors, lifts, locks ...) are features of the venue; each
-- has a bearer token, kept as its SHA-256. Every decision at a reader is a
-- row of card_uses (the holder's history) and an entry of the audit log,
-- written in one transaction with card_codes, the codes used (single use;
-- purged once they can no longer verify). Grants add to access.json's
-- policy, per person. Times are INTEGER microseconds since the Unix epoch,
-- UTC.

CREATE TABLE cards (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
	holder        TEXT    NOT NULL,            -- the name a reader shows
	status        TEXT    NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'frozen')),
	frozen_reason TEXT    CHECK (frozen_reason IN ('replayed', 'impossible_travel', 'screen_capture', 'admin')),
	frozen_at     INTEGER,
	number        TEXT    NOT NULL UNIQUE,     -- the physical card's
	physical      TEXT    NOT NULL DEFAULT 'valid' CHECK (physical IN ('valid', 'lost')),
	last_step     INTEGER NOT NULL DEFAULT 0,  -- the newest code step used
	last_at       INTEGER,                     -- the last use at a reader, any credential
	last_reader   TEXT,
	created       INTEGER NOT NULL,
	CHECK ((status = 'frozen') = (frozen_reason IS NOT NULL))
) STRICT;

CREATE TABLE card_keys (
	id      INTEGER PRIMARY KEY,   -- the key id (kid), 32 bits
	private BLOB    NOT NULL,      -- the Ed25519 seed
	created INTEGER NOT NULL
) STRICT;

CREATE TABLE card_devices (
	id         INTEGER PRIMARY KEY,
	card_id    INTEGER NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	public_key BLOB    NOT NULL,
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL,
	revoked    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX card_devices_card ON card_devices (card_id, id);

CREATE TABLE card_uses (
	id         INTEGER PRIMARY KEY,
	at         INTEGER NOT NULL,
	card_id    INTEGER REFERENCES cards (id) ON DELETE CASCADE,  -- NULL: no card identified
	reader     TEXT    NOT NULL,
	credential TEXT    NOT NULL,   -- code, card, pin, fingerprint
	decision   TEXT    NOT NULL CHECK (decision IN ('allow', 'deny')),
	reason     TEXT    NOT NULL
) STRICT;

CREATE INDEX card_uses_card ON card_uses (card_id, id);

CREATE TABLE card_codes (
	card_id  INTEGER NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	step     INTEGER NOT NULL,
	nonce    INTEGER NOT NULL,     -- 64 bits, as signed
	reader   TEXT    NOT NULL,
	at       INTEGER NOT NULL,
	decision TEXT    NOT NULL,
	reason   TEXT    NOT NULL,
	floors   TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (card_id, step, nonce)
) STRICT, WITHOUT ROWID;

CREATE INDEX card_codes_at ON card_codes (at);

CREATE TABLE access_grants (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	target     TEXT    NOT NULL,   -- a reader, unit, level or building id
	valid_from INTEGER NOT NULL,
	valid_to   INTEGER NOT NULL,
	granted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
	created    INTEGER NOT NULL,
	CHECK (valid_from < valid_to)
) STRICT;

CREATE INDEX access_grants_user ON access_grants (user_id, valid_to);

CREATE TABLE reader_tokens (
	reader  TEXT    PRIMARY KEY,
	hash    BLOB    NOT NULL UNIQUE,
	created INTEGER NOT NULL
) STRICT;
