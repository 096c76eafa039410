-- 0015: bookings of spaces (services/booking). A live booking (confirmed
-- or pending) holds [start_at, end_at) of its space: SQLite's one writer
-- makes the store's check and its write one step, and the triggers refuse
-- any row that would overlap another live booking of the space all the
-- same (PostgreSQL's exclusion constraint, by hand). Back-to-back
-- bookings do not overlap.

CREATE TABLE bookings (
	id       INTEGER PRIMARY KEY,
	space    TEXT    NOT NULL,
	user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	start_at INTEGER NOT NULL,
	end_at   INTEGER NOT NULL,
	title    TEXT    NOT NULL DEFAULT '',
	status   TEXT    NOT NULL CHECK (status IN ('confirmed', 'pending', 'cancelled', 'released')),
	created  INTEGER NOT NULL,
	CHECK (start_at < end_at)
) STRICT;
CREATE INDEX bookings_space ON bookings (space, start_at);
CREATE INDEX bookings_user ON bookings (user_id, id);

CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
WHEN NEW.status IN ('confirmed', 'pending')
BEGIN
	SELECT RAISE(ABORT, 'bookings_no_overlap') WHERE EXISTS (
		SELECT 1 FROM bookings WHERE space = NEW.space AND status IN ('confirmed', 'pending')
			AND start_at < NEW.end_at AND NEW.start_at < end_at);
END;

CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE ON bookings
WHEN NEW.status IN ('confirmed', 'pending')
BEGIN
	SELECT RAISE(ABORT, 'bookings_no_overlap') WHERE EXISTS (
		SELECT 1 FROM bookings WHERE space = NEW.space AND status IN ('confirmed', 'pending') AND id <> NEW.id
			AND start_at < NEW.end_at AND NEW.start_at < end_at);
END;
