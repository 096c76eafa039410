-- 0009: the audit log, and operators' duties.
--
-- The audit log is hash-chained (services/audit): each entry carries the
-- hash of the one before. Entries are appended, never changed: triggers
-- refuse UPDATE, DELETE and TRUNCATE, and refuse an INSERT that does not
-- follow the head (audit_head: the last entry's id and hash, one row),
-- which the same trigger then moves on. Appends take turns on the
-- head's row (SELECT ... FOR UPDATE). A superuser or the tables' owner
-- can still bypass the triggers (ALTER TABLE ... DISABLE TRIGGER, or
-- session_replication_role = replica); `campus audit verify` finds what
-- they changed. detail is text, not jsonb, so that it reads back byte
-- for byte as it was hashed.

CREATE TABLE audit_log (
	id        bigint      PRIMARY KEY,  -- 1, 2, 3 ... from the head, without gaps
	at        timestamptz NOT NULL,
	actor     bigint      NOT NULL,     -- an account's id, or 0; no foreign key: entries outlive accounts
	subject   text        COLLATE "C" NOT NULL,
	kind      text        COLLATE "C" NOT NULL,
	place     text        NOT NULL,
	decision  text        NOT NULL,
	reason    text        NOT NULL,
	detail    text,                     -- compact JSON, as hashed; NULL for none
	prev_hash bytea       NOT NULL,
	hash      bytea       NOT NULL
);

CREATE INDEX audit_log_subject ON audit_log (subject, id);
CREATE INDEX audit_log_kind ON audit_log (kind, id);

CREATE TABLE audit_head (
	one     integer PRIMARY KEY CHECK (one = 1),
	last_id bigint  NOT NULL,
	hash    bytea   NOT NULL
);

INSERT INTO audit_head (one, last_id, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION audit_log_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE audit_head SET last_id = NEW.id, hash = NEW.hash
	WHERE one = 1 AND last_id = NEW.id - 1 AND hash = NEW.prev_hash;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'audit_log: entry % must follow the head (id = last_id + 1, prev_hash = its hash)', NEW.id;
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_appended BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append();

CREATE FUNCTION audit_log_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%: audit entries are never changed or deleted (%)', TG_TABLE_NAME, TG_OP;
END
$$;

CREATE TRIGGER audit_log_kept BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_kept();

CREATE TRIGGER audit_log_not_truncated BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_kept();

CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head
FOR EACH ROW EXECUTE FUNCTION audit_log_kept();

CREATE TRIGGER audit_head_not_truncated BEFORE TRUNCATE ON audit_head
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_kept();

-- What an operator may do (auth.Duties), as granted; admins hold every
-- duty without a row here. users.duties lists an account's duties
-- ("desk,lab"), kept by triggers, so that reading an account, above all
-- at every session lookup, reads its duties with it and no other table.
-- Each trigger changes the list on the account's row as it is (an UPDATE
-- waits for another's on the row, then reads it anew), so grants at
-- once lose none.
ALTER TABLE users ADD COLUMN duties text NOT NULL DEFAULT '';

CREATE TABLE duties (
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	duty       text        NOT NULL,
	granted_at timestamptz NOT NULL,
	granted_by bigint      REFERENCES users (id) ON DELETE SET NULL,  -- NULL: the command line
	PRIMARY KEY (user_id, duty)
);

CREATE INDEX duties_granted_by ON duties (granted_by) WHERE granted_by IS NOT NULL;

CREATE FUNCTION duties_listed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		UPDATE users SET duties = CASE duties WHEN '' THEN NEW.duty ELSE duties || ',' || NEW.duty END
		WHERE id = NEW.user_id;
	ELSE
		UPDATE users SET duties = btrim(replace(',' || duties || ',', ',' || OLD.duty || ',', ','), ',')
		WHERE id = OLD.user_id;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER duties_listed AFTER INSERT OR DELETE ON duties
FOR EACH ROW EXECUTE FUNCTION duties_listed();
