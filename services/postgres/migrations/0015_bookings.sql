-- 0015: bookings of spaces (services/booking). A live booking (confirmed
-- or pending) holds [start_at, end_at) of its space: the exclusion
-- constraint refuses any other live booking of the space that overlaps
-- it, whatever runs at once; back-to-back bookings do not overlap.

CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;

CREATE TABLE bookings (
	id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	space    text        COLLATE "C" NOT NULL,
	user_id  bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	start_at timestamptz NOT NULL,
	end_at   timestamptz NOT NULL,
	title    text        NOT NULL DEFAULT '',
	status   text        NOT NULL CHECK (status IN ('confirmed', 'pending', 'cancelled', 'released')),
	created  timestamptz NOT NULL,
	CHECK (start_at < end_at),
	CONSTRAINT bookings_no_overlap EXCLUDE USING gist (space WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
		WHERE (status IN ('confirmed', 'pending'))
);
CREATE INDEX bookings_user ON bookings (user_id, id);
