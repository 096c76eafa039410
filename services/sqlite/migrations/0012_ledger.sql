-- 0012: the card's money as double entry (services/ledger).
--
-- An account is an address ("wallet:42", "merchant:cafe", "world") with
-- its balance in fen, a projection of its postings that the ledger keeps
-- in the transaction that adds them; an account that may not overdraw
-- has a CHECK that it never does, the last line behind the store's own
-- check. Transactions and their postings are never changed or deleted
-- (triggers); a correction is a new transaction. Each posting records
-- both accounts' balances after it, so a balance can be checked against
-- its history posting by posting (`campus ledger verify`).

CREATE TABLE ledger_accounts (
	address     TEXT    PRIMARY KEY,
	balance_fen INTEGER NOT NULL DEFAULT 0,
	overdraft   INTEGER NOT NULL DEFAULT 0 CHECK (overdraft IN (0, 1)),
	CHECK (overdraft = 1 OR balance_fen >= 0)
) STRICT, WITHOUT ROWID;

CREATE TABLE ledger_transactions (
	id        INTEGER PRIMARY KEY,
	kind      TEXT    NOT NULL,
	reference TEXT    UNIQUE,       -- the caller's key: one transaction per reference
	at        INTEGER NOT NULL
) STRICT;

CREATE TABLE ledger_postings (
	tx_id                   INTEGER NOT NULL REFERENCES ledger_transactions (id),
	n                       INTEGER NOT NULL,
	source                  TEXT    NOT NULL REFERENCES ledger_accounts (address),
	destination             TEXT    NOT NULL REFERENCES ledger_accounts (address),
	amount_fen              INTEGER NOT NULL CHECK (amount_fen > 0),
	source_balance_fen      INTEGER NOT NULL,
	destination_balance_fen INTEGER NOT NULL,
	PRIMARY KEY (tx_id, n),
	CHECK (source <> destination)
) STRICT;

CREATE INDEX ledger_postings_source ON ledger_postings (source, tx_id);
CREATE INDEX ledger_postings_destination ON ledger_postings (destination, tx_id);

CREATE TRIGGER ledger_transactions_kept BEFORE UPDATE ON ledger_transactions
BEGIN
	SELECT RAISE(ABORT, 'ledger_transactions: a transaction is never changed');
END;

CREATE TRIGGER ledger_transactions_not_deleted BEFORE DELETE ON ledger_transactions
BEGIN
	SELECT RAISE(ABORT, 'ledger_transactions: a transaction is never deleted');
END;

CREATE TRIGGER ledger_postings_kept BEFORE UPDATE ON ledger_postings
BEGIN
	SELECT RAISE(ABORT, 'ledger_postings: a posting is never changed');
END;

CREATE TRIGGER ledger_postings_not_deleted BEFORE DELETE ON ledger_postings
BEGIN
	SELECT RAISE(ABORT, 'ledger_postings: a posting is never deleted');
END;
