-- 0016: check-in and no-shows of bookings (services/booking). A booking
-- of a kind that is checked into has checkin_by, the moment (its start +
-- 15 min) after which a booking nobody checked into is released and its
-- holder recorded as a no-show; scan says whether a beacon scan at
-- check-in placed the person at the space ('agreed', 'disagreed'), ''
-- without one.

ALTER TABLE bookings ADD COLUMN checkin_by timestamptz;
ALTER TABLE bookings ADD COLUMN checked_in timestamptz;
ALTER TABLE bookings ADD COLUMN scan text NOT NULL DEFAULT '' CHECK (scan IN ('', 'agreed', 'disagreed'));
CREATE INDEX bookings_start ON bookings (start_at);
CREATE INDEX bookings_space ON bookings (space, start_at);
CREATE INDEX bookings_due ON bookings (checkin_by) WHERE status = 'confirmed' AND checked_in IS NULL AND checkin_by IS NOT NULL;

CREATE TABLE booking_noshows (
	booking_id bigint      PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	at         timestamptz NOT NULL
);
CREATE INDEX booking_noshows_user ON booking_noshows (user_id, at);
