-- 0020: calendar feeds (services/booking, calendar.go). A person has at
-- most one feed, kept by the SHA-256 (hex) of its secret, never the
-- secret (as sessions are): a new secret replaces the row, revoking
-- deletes it.
--
-- Bookings gain what calendar apps need to notice a change to an item
-- they keep: revision counts the changes of a booking's space, times,
-- title or status (its SEQUENCE), revised is when the last one was made
-- (its LAST-MODIFIED; NULL: never changed since created). The trigger
-- keeps both, whatever statement changes a booking, so the bookings'
-- own statements (services/store/booking.go) need not know of them.

CREATE TABLE calendar_feeds (
	user_id     bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	secret_hash text        COLLATE "C" NOT NULL UNIQUE,
	created     timestamptz NOT NULL
);

ALTER TABLE bookings ADD COLUMN revision integer NOT NULL DEFAULT 0,
	ADD COLUMN revised timestamptz;
CREATE INDEX bookings_user_start ON bookings (user_id, start_at);

CREATE FUNCTION bookings_revised() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (NEW.space, NEW.start_at, NEW.end_at, NEW.title, NEW.status)
		IS DISTINCT FROM (OLD.space, OLD.start_at, OLD.end_at, OLD.title, OLD.status) THEN
		NEW.revision := OLD.revision + 1;
		NEW.revised := clock_timestamp();
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER bookings_revised BEFORE UPDATE ON bookings
FOR EACH ROW EXECUTE FUNCTION bookings_revised();
