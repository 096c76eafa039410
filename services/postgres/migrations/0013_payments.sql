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
	reader       text        COLLATE "C" NOT NULL,
	key          text        COLLATE "C" NOT NULL,
	request_hash text        NOT NULL,
	state        text        NOT NULL CHECK (state IN ('running', 'done')),
	status       integer,
	headers      text,
	body         bytea,
	created      timestamptz NOT NULL,
	PRIMARY KEY (reader, key),
	CHECK ((state = 'done') = (status IS NOT NULL))
);
CREATE INDEX reader_idempotency_keys_created ON reader_idempotency_keys (created);
-- How many keys each reader began each day (days since 1970, UTC): the
-- bound on a reader's keys (idempotency.MaxPerReader a day), one row a
-- reader a day.
CREATE TABLE reader_key_days (
	reader text        COLLATE "C" NOT NULL,
	day    integer     NOT NULL,
	n      integer     NOT NULL,
	PRIMARY KEY (reader, day)
);

-- Mandates: a person's consent, given at the provider, that it may charge
-- their external account for password-free payments.
CREATE TABLE mandates (
	id       text        COLLATE "C" PRIMARY KEY,
	card_id  bigint      NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	provider text        NOT NULL,
	status   text        NOT NULL CHECK (status IN ('pending', 'active', 'failed')),
	created  timestamptz NOT NULL,
	settled  timestamptz
);
CREATE INDEX mandates_card ON mandates (card_id, created);

-- A card's payment settings: password-free payments and the external
-- account they charge (a mandate the provider confirmed).
CREATE TABLE wallets (
	card_id       bigint  PRIMARY KEY REFERENCES cards (id) ON DELETE CASCADE,
	password_free boolean NOT NULL DEFAULT false,
	limit_fen     bigint  NOT NULL DEFAULT 0 CHECK (limit_fen >= 0),
	mandate       text REFERENCES mandates (id),
	CHECK (NOT password_free OR mandate IS NOT NULL)
);

CREATE TABLE topups (
	id           text        COLLATE "C" PRIMARY KEY,
	card_id      bigint      NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	provider     text        NOT NULL,
	amount_fen   bigint      NOT NULL CHECK (amount_fen > 0),
	status       text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
	provider_txn text,
	tx_id        bigint      UNIQUE REFERENCES ledger_transactions (id),
	created      timestamptz NOT NULL,
	settled      timestamptz,
	UNIQUE (provider, provider_txn),
	CHECK ((status = 'succeeded') = (tx_id IS NOT NULL))
);
CREATE INDEX topups_card ON topups (card_id, created);

CREATE TABLE payments (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tx_id        bigint      NOT NULL UNIQUE REFERENCES ledger_transactions (id),
	card_id      bigint      NOT NULL REFERENCES cards (id),
	reader       text,
	merchant     text        NOT NULL,
	amount_fen   bigint      NOT NULL CHECK (amount_fen > 0),
	source       text        NOT NULL CHECK (source IN ('wallet', 'external')),
	provider     text,
	provider_txn text,
	description  text        NOT NULL DEFAULT '',
	refunded_fen bigint      NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
	at           timestamptz NOT NULL,
	CHECK ((source = 'external') = (provider IS NOT NULL))
);

CREATE TABLE refunds (
	tx_id      bigint      PRIMARY KEY REFERENCES ledger_transactions (id),
	payment_id bigint      NOT NULL REFERENCES payments (id),
	amount_fen bigint      NOT NULL CHECK (amount_fen > 0),
	by_user    bigint      NOT NULL,
	at         timestamptz NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);

CREATE TABLE bills (
	id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	room            text        NOT NULL,
	period          text        NOT NULL,
	water_from      double precision NOT NULL,
	water_to        double precision NOT NULL,
	electricity_from double precision NOT NULL,
	electricity_to  double precision NOT NULL,
	amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
	status          text        NOT NULL CHECK (status IN ('unpaid', 'paid')),
	issued_tx       bigint      NOT NULL UNIQUE REFERENCES ledger_transactions (id),
	paid_tx         bigint      UNIQUE REFERENCES ledger_transactions (id),
	paid_source     text        CHECK (paid_source IN ('wallet', 'external')),
	appeal          text,
	appealed        timestamptz,
	created         timestamptz NOT NULL,
	UNIQUE (user_id, room, period),
	CHECK ((status = 'paid') = (paid_tx IS NOT NULL))
);
CREATE INDEX bills_user ON bills (user_id, id);

-- What the holder sees of their money, newest first: each movement with
-- its signed amount and the wallet's balance after it.
CREATE TABLE wallet_records (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	card_id     bigint      NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
	tx_id       bigint      NOT NULL REFERENCES ledger_transactions (id),
	kind        text        NOT NULL CHECK (kind IN ('topup', 'payment', 'bill', 'refund')),
	source      text        NOT NULL CHECK (source IN ('wallet', 'external')),
	amount_fen  bigint      NOT NULL,
	balance_fen bigint      NOT NULL,
	merchant    text,
	reader      text,
	payment_id  bigint,
	at          timestamptz NOT NULL,
	UNIQUE (tx_id, card_id)
);
CREATE INDEX wallet_records_card ON wallet_records (card_id, id);
CREATE INDEX wallet_records_external ON wallet_records (card_id, at) WHERE source = 'external' AND kind = 'payment';
