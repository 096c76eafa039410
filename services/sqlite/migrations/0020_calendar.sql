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
	user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	secret_hash TEXT    NOT NULL UNIQUE,
	created     INTEGER NOT NULL
) STRICT;

ALTER TABLE bookings ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN revised INTEGER;
CREATE INDEX bookings_user_start ON bookings (user_id, start_at);

-- An AFTER trigger's own UPDATE sets neither of the columns it watches,
-- and SQLite's triggers do not recurse unless asked: it runs once per
-- change. Times are microseconds since 1970, UTC, as everywhere here.
CREATE TRIGGER bookings_revised AFTER UPDATE OF space, start_at, end_at, title, status ON bookings
WHEN OLD.space <> NEW.space OR OLD.start_at <> NEW.start_at OR OLD.end_at <> NEW.end_at
	OR OLD.title <> NEW.title OR OLD.status <> NEW.status
BEGIN
	UPDATE bookings SET revision = OLD.revision + 1,
		revised = CAST(unixepoch('subsec') * 1000000 AS INTEGER)
	WHERE id = NEW.id;
END;
