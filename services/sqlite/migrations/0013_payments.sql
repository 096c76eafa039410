-- 0013: payments on the card (services/payments) over the ledger of 0012.
--
-- Every row here that records money is written in the ledger transaction
-- that moves it (tx_id), so a payment, a top-up or a bill is paid exactly
-- when its postings are. wallet_records is the holder's list of what
-- happened to their money (a projection: the postings say the same), the
-- balance after each; payments made from an external account appear there
-- though the wallet is not posted to.

-- The idempotency keys of readers (a till's Idempotency-Key), as
-- idempotency_keys keeps people's.
CREATE TABLE reader_idempotency_keys (
	reader       TEXT        NOT NULL,
	key          TEXT        NOT NULL,
	request_hash TEXT        NOT NULL,
	state        TEXT        NOT NULL CHECK (state IN ('running', 'done')),
	status       INTEGER,
	headers      TEXT,
	body         BLOB,
	created      INTEGER NOT NULL,
	PRIMARY KEY (reader, key),
	CHECK ((state = 'done') = (status IS NOT NULL))
) STRICT;
CREATE INDEX reader_idempotency_keys_created ON reader_idempotency_keys (created);
-- How many keys each reader began each day (days since 1970, UTC): the
-- bound on a reader's keys (idempotency.MaxPerReader a day), one row a
-- reader a day.
CREATE TABLE reader_key_days (
	reader TEXT    NOT NULL,
	day    INTEGER     NOT NULL,
	n      INTEGER     NOT NULL,
	PRIMARY KEY (reader, day)
) STRICT;

-- Mandates: a person's consent, given at the provider, that it may charge
-- their external account for password-free payments.
CREATE TABLE mandates (
	id       TEXT        PRIMARY KEY,
	card_id  INTEGER      NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	provider TEXT        NOT NULL,
	status   TEXT        NOT NULL CHECK (status IN ('pending', 'active', 'failed')),
	created  INTEGER NOT NULL,
	settled  INTEGER
) STRICT;
CREATE INDEX mandates_card ON mandates (card_id, created);

-- A card's payment settings: password-free payments and the external
-- account they charge (a mandate the provider confirmed).
CREATE TABLE wallets (
	card_id       INTEGER  PRIMARY KEY REFERENCES cards (id) ON DELETE CASCADE,
	password_free INTEGER NOT NULL DEFAULT 0 CHECK (password_free IN (0, 1)),
	limit_fen     INTEGER  NOT NULL DEFAULT 0 CHECK (limit_fen >= 0),
	mandate       TEXT REFERENCES mandates (id),
	CHECK (password_free = 0 OR mandate IS NOT NULL)
) STRICT;

CREATE TABLE topups (
	id           TEXT        PRIMARY KEY,
	card_id      INTEGER      NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	provider     TEXT        NOT NULL,
	amount_fen   INTEGER      NOT NULL CHECK (amount_fen > 0),
	status       TEXT        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
	provider_txn TEXT,
	tx_id        INTEGER      UNIQUE REFERENCES ledger_transactions (id),
	created      INTEGER NOT NULL,
	settled      INTEGER,
	UNIQUE (provider, provider_txn),
	CHECK ((status = 'succeeded') = (tx_id IS NOT NULL))
) STRICT;
CREATE INDEX topups_card ON topups (card_id, created);

CREATE TABLE payments (
	id           INTEGER PRIMARY KEY,
	tx_id        INTEGER      NOT NULL UNIQUE REFERENCES ledger_transactions (id),
	card_id      INTEGER      NOT NULL REFERENCES cards (id),
	reader       TEXT,
	merchant     TEXT        NOT NULL,
	amount_fen   INTEGER      NOT NULL CHECK (amount_fen > 0),
	source       TEXT        NOT NULL CHECK (source IN ('wallet', 'external')),
	provider     TEXT,
	provider_txn TEXT,
	description  TEXT        NOT NULL DEFAULT '',
	refunded_fen INTEGER      NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
	at           INTEGER NOT NULL,
	CHECK ((source = 'external') = (provider IS NOT NULL))
) STRICT;

CREATE TABLE refunds (
	tx_id      INTEGER      PRIMARY KEY REFERENCES ledger_transactions (id),
	payment_id INTEGER      NOT NULL REFERENCES payments (id),
	amount_fen INTEGER      NOT NULL CHECK (amount_fen > 0),
	by_user    INTEGER      NOT NULL,
	at         INTEGER NOT NULL
) STRICT;
CREATE INDEX refunds_payment ON refunds (payment_id);

CREATE TABLE bills (
	id              INTEGER PRIMARY KEY,
	user_id         INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	room            TEXT        NOT NULL,
	period          TEXT        NOT NULL,
	water_from      REAL NOT NULL,
	water_to        REAL NOT NULL,
	electricity_from REAL NOT NULL,
	electricity_to  REAL NOT NULL,
	amount_fen      INTEGER      NOT NULL CHECK (amount_fen > 0),
	status          TEXT        NOT NULL CHECK (status IN ('unpaid', 'paid')),
	issued_tx       INTEGER      NOT NULL UNIQUE REFERENCES ledger_transactions (id),
	paid_tx         INTEGER      UNIQUE REFERENCES ledger_transactions (id),
	paid_source     TEXT        CHECK (paid_source IN ('wallet', 'external')),
	appeal          TEXT,
	appealed        INTEGER,
	created         INTEGER NOT NULL,
	UNIQUE (user_id, room, period),
	CHECK ((status = 'paid') = (paid_tx IS NOT NULL))
) STRICT;
CREATE INDEX bills_user ON bills (user_id, id);

-- What the holder sees of their money, newest first: each movement with
-- its signed amount and the wallet's balance after it.
CREATE TABLE wallet_records (
	id          INTEGER PRIMARY KEY,
	card_id     INTEGER      NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	tx_id       INTEGER      NOT NULL REFERENCES ledger_transactions (id),
	kind        TEXT        NOT NULL CHECK (kind IN ('topup', 'payment', 'bill', 'refund')),
	source      TEXT        NOT NULL CHECK (source IN ('wallet', 'external')),
	amount_fen  INTEGER      NOT NULL,
	balance_fen INTEGER      NOT NULL,
	merchant    TEXT,
	reader      TEXT,
	payment_id  INTEGER,
	at          INTEGER NOT NULL,
	UNIQUE (tx_id, card_id)
) STRICT;
CREATE INDEX wallet_records_card ON wallet_records (card_id, id);
CREATE INDEX wallet_records_external ON wallet_records (card_id, at) WHERE source = 'external' AND kind = 'payment';
