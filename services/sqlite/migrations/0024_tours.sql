-- 0024: public campus tours (services/tour). A slot's row is made at its
-- first booking (the tours and their schedules are data, not rows): it
-- counts the people booked, never more than its capacity (the CHECK; a
-- booking takes its places with one conditional UPDATE of the row, where
-- concurrent bookings take turns). A person has one live booking of a
-- slot at most.

CREATE TABLE tour_slots (
	id       TEXT    PRIMARY KEY,
	tour     TEXT    NOT NULL,
	starts   INTEGER NOT NULL,
	ends     INTEGER NOT NULL,
	capacity INTEGER NOT NULL CHECK (capacity > 0),
	booked   INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity)
) STRICT;
CREATE INDEX tour_slots_starts ON tour_slots (starts);

CREATE TABLE tour_bookings (
	id        INTEGER PRIMARY KEY,
	slot      TEXT    NOT NULL REFERENCES tour_slots (id) ON DELETE CASCADE,
	user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	people    INTEGER NOT NULL CHECK (people > 0),
	lang      TEXT    NOT NULL,
	created   INTEGER NOT NULL,
	cancelled INTEGER
) STRICT;
CREATE UNIQUE INDEX tour_bookings_live ON tour_bookings (slot, user_id) WHERE cancelled IS NULL;
CREATE INDEX tour_bookings_user ON tour_bookings (user_id, id);
CREATE INDEX tour_bookings_slot ON tour_bookings (slot);
