-- 0024: public campus tours (services/tour). A slot's row is made at its
-- first booking (the tours and their schedules are data, not rows): it
-- counts the people booked, never more than its capacity (the CHECK; a
-- booking takes its places with one conditional UPDATE of the row, which
-- concurrent bookings wait for and then see committed). A person has one
-- live booking of a slot at most.

CREATE TABLE tour_slots (
	id       text        COLLATE "C" PRIMARY KEY,
	tour     text        NOT NULL,
	starts   timestamptz NOT NULL,
	ends     timestamptz NOT NULL,
	capacity integer     NOT NULL CHECK (capacity > 0),
	booked   integer     NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity)
);
CREATE INDEX tour_slots_starts ON tour_slots (starts);

CREATE TABLE tour_bookings (
	id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slot      text        COLLATE "C" NOT NULL REFERENCES tour_slots (id) ON DELETE CASCADE,
	user_id   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	people    integer     NOT NULL CHECK (people > 0),
	lang      text        NOT NULL,
	created   timestamptz NOT NULL,
	cancelled timestamptz
);
CREATE UNIQUE INDEX tour_bookings_live ON tour_bookings (slot, user_id) WHERE cancelled IS NULL;
CREATE INDEX tour_bookings_user ON tour_bookings (user_id, id);
CREATE INDEX tour_bookings_slot ON tour_bookings (slot);
