-- 0019: counselling (services/booking, counselling.go). A counsellor's
-- slot holds its room through a booking of theirs (bookings, 0015), made
-- in the slot's transaction; a student's appointment takes a slot. One
-- live appointment a slot, whatever runs at once: the partial unique
-- index. Nothing of the student is in the room's booking.

CREATE TABLE counselling_slots (
	id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	counsellor_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	room          text        COLLATE "C" NOT NULL,
	start_at      timestamptz NOT NULL,
	end_at        timestamptz NOT NULL,
	booking_id    bigint      NOT NULL UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,
	status        text        NOT NULL CHECK (status IN ('open', 'withdrawn')),
	created       timestamptz NOT NULL,
	CHECK (start_at < end_at)
);
CREATE INDEX counselling_slots_open ON counselling_slots (start_at, id) WHERE status = 'open';
CREATE INDEX counselling_slots_counsellor ON counselling_slots (counsellor_id, start_at);

CREATE TABLE counselling_appointments (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slot_id      bigint      NOT NULL REFERENCES counselling_slots (id) ON DELETE CASCADE,
	student_id   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	status       text        NOT NULL CHECK (status IN ('booked', 'cancelled')),
	created      timestamptz NOT NULL,
	cancelled    timestamptz,
	cancelled_by bigint      REFERENCES users (id) ON DELETE SET NULL,
	CHECK ((status = 'cancelled') = (cancelled IS NOT NULL))
);
CREATE UNIQUE INDEX counselling_appointments_one ON counselling_appointments (slot_id) WHERE status = 'booked';
CREATE INDEX counselling_appointments_student ON counselling_appointments (student_id, id);
CREATE INDEX counselling_appointments_slot ON counselling_appointments (slot_id);
