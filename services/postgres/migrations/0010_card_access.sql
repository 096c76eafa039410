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
-- policy, per person.

CREATE TABLE cards (
	id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id       bigint      NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
	holder        text        NOT NULL,
	status        text        NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'frozen')),
	frozen_reason text        CHECK (frozen_reason IN ('replayed', 'impossible_travel', 'screen_capture', 'admin')),
	frozen_at     timestamptz,
	number        text        COLLATE "C" NOT NULL UNIQUE,
	physical      text        NOT NULL DEFAULT 'valid' CHECK (physical IN ('valid', 'lost')),
	last_step     bigint      NOT NULL DEFAULT 0,
	last_at       timestamptz,
	last_reader   text,
	created       timestamptz NOT NULL,
	CHECK ((status = 'frozen') = (frozen_reason IS NOT NULL))
);

CREATE TABLE card_keys (
	id      bigint      PRIMARY KEY,  -- the key id (kid), 32 bits
	private bytea       NOT NULL,     -- the Ed25519 seed
	created timestamptz NOT NULL
);

CREATE TABLE card_devices (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	card_id    bigint      NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	public_key bytea       NOT NULL,
	created    timestamptz NOT NULL,
	expires    timestamptz NOT NULL,
	revoked    boolean     NOT NULL DEFAULT false
);

CREATE INDEX card_devices_card ON card_devices (card_id, id);

CREATE TABLE card_uses (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at         timestamptz NOT NULL,
	card_id    bigint      REFERENCES cards (id) ON DELETE CASCADE,
	reader     text        NOT NULL,
	credential text        NOT NULL,
	decision   text        NOT NULL CHECK (decision IN ('allow', 'deny')),
	reason     text        NOT NULL
);

CREATE INDEX card_uses_card ON card_uses (card_id, id);

CREATE TABLE card_codes (
	card_id  bigint      NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	step     bigint      NOT NULL,
	nonce    bigint      NOT NULL,   -- 64 bits, as signed
	reader   text        NOT NULL,
	at       timestamptz NOT NULL,
	decision text        NOT NULL,
	reason   text        NOT NULL,
	floors   text        NOT NULL DEFAULT '',
	PRIMARY KEY (card_id, step, nonce)
);

CREATE INDEX card_codes_at ON card_codes (at);

CREATE TABLE access_grants (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	target     text        NOT NULL,
	valid_from timestamptz NOT NULL,
	valid_to   timestamptz NOT NULL,
	granted_by bigint      REFERENCES users (id) ON DELETE SET NULL,
	created    timestamptz NOT NULL,
	CHECK (valid_from < valid_to)
);

CREATE INDEX access_grants_user ON access_grants (user_id, valid_to);

CREATE TABLE reader_tokens (
	reader  text        COLLATE "C" PRIMARY KEY,
	hash    bytea       NOT NULL UNIQUE,
	created timestamptz NOT NULL
);
