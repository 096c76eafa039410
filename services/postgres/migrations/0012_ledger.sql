-- 0012: the card's money as double entry (services/ledger).
--
-- An account is an address ("wallet:42", "merchant:cafe", "world") with
-- its balance in fen, a projection of its postings that the ledger keeps
-- in the transaction that adds them (the accounts locked in address
-- order, FOR UPDATE); an account that may not overdraw has a CHECK that
-- it never does, the last line behind the store's own check.
-- Transactions and their postings are never changed or deleted
-- (triggers); a correction is a new transaction. Each posting records
-- both accounts' balances after it (Formance's post-commit volumes), so a
-- balance can be checked against its history (`campus ledger verify`).

CREATE TABLE ledger_accounts (
	address     text    COLLATE "C" PRIMARY KEY,
	balance_fen bigint  NOT NULL DEFAULT 0,
	overdraft   boolean NOT NULL DEFAULT false,
	CHECK (overdraft OR balance_fen >= 0)
);

CREATE TABLE ledger_transactions (
	id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind      text        NOT NULL,
	reference text        COLLATE "C" UNIQUE,
	at        timestamptz NOT NULL
);

CREATE TABLE ledger_postings (
	tx_id                   bigint NOT NULL REFERENCES ledger_transactions (id),
	n                       integer NOT NULL,
	source                  text   COLLATE "C" NOT NULL REFERENCES ledger_accounts (address),
	destination             text   COLLATE "C" NOT NULL REFERENCES ledger_accounts (address),
	amount_fen              bigint NOT NULL CHECK (amount_fen > 0),
	source_balance_fen      bigint NOT NULL,
	destination_balance_fen bigint NOT NULL,
	PRIMARY KEY (tx_id, n),
	CHECK (source <> destination)
);

CREATE INDEX ledger_postings_source ON ledger_postings (source, tx_id);
CREATE INDEX ledger_postings_destination ON ledger_postings (destination, tx_id);

CREATE FUNCTION ledger_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%: the ledger is never changed or deleted (%)', TG_TABLE_NAME, TG_OP;
END
$$;

CREATE TRIGGER ledger_transactions_kept BEFORE UPDATE OR DELETE ON ledger_transactions
FOR EACH ROW EXECUTE FUNCTION ledger_kept();
CREATE TRIGGER ledger_transactions_not_truncated BEFORE TRUNCATE ON ledger_transactions
FOR EACH STATEMENT EXECUTE FUNCTION ledger_kept();
CREATE TRIGGER ledger_postings_kept BEFORE UPDATE OR DELETE ON ledger_postings
FOR EACH ROW EXECUTE FUNCTION ledger_kept();
CREATE TRIGGER ledger_postings_not_truncated BEFORE TRUNCATE ON ledger_postings
FOR EACH STATEMENT EXECUTE FUNCTION ledger_kept();
