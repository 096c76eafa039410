-- 0017: the sports hall's courses (services/booking, courses.go). A
-- course's sessions each hold its court with a live booking (bookings of
-- 0015: the exclusion constraint keeps them from overlapping anything
-- else booked on the court). People enrol in order of arrival (the
-- enrolment's id): enrolled while the course has a place, then waiting;
-- the store takes the course's row FOR UPDATE before it counts, so that
-- no more are enrolled than its capacity, whatever runs at once. A
-- person's marks of a session (checked in, leave) are kept; a no-show is
-- told from the time.

CREATE TABLE courses (
	id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name_en            text        NOT NULL,
	name_zh            text        NOT NULL,
	court              text        COLLATE "C" NOT NULL,
	capacity           integer     NOT NULL CHECK (capacity > 0),
	enrol_until        timestamptz NOT NULL,
	cancel_until       timestamptz NOT NULL,
	checkin_before_min integer     NOT NULL CHECK (checkin_before_min >= 0),
	checkin_after_min  integer     NOT NULL CHECK (checkin_after_min >= 0),
	leave_until_min    integer     NOT NULL CHECK (leave_until_min >= 0),
	created_by         bigint      REFERENCES users (id) ON DELETE SET NULL,
	created            timestamptz NOT NULL,
	-- the end of its last session; NULL while it has none
	ends_at            timestamptz
);
CREATE INDEX courses_ends ON courses (ends_at);

CREATE TABLE course_sessions (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	course_id  bigint      NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	start_at   timestamptz NOT NULL,
	end_at     timestamptz NOT NULL,
	booking_id bigint      REFERENCES bookings (id) ON DELETE SET NULL,
	CHECK (start_at < end_at)
);
CREATE INDEX course_sessions_course ON course_sessions (course_id, start_at);

CREATE TABLE course_enrolments (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	course_id   bigint      NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	status      text        NOT NULL CHECK (status IN ('enrolled', 'waiting')),
	created     timestamptz NOT NULL,
	enrolled_at timestamptz,
	CHECK ((status = 'enrolled') = (enrolled_at IS NOT NULL)),
	UNIQUE (course_id, user_id)
);
CREATE INDEX course_enrolments_queue ON course_enrolments (course_id, status, id);
CREATE INDEX course_enrolments_user ON course_enrolments (user_id);

CREATE TABLE course_marks (
	session_id bigint      NOT NULL REFERENCES course_sessions (id) ON DELETE CASCADE,
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	mark       text        NOT NULL CHECK (mark IN ('checked_in', 'leave')),
	at         timestamptz NOT NULL,
	-- whether a beacon scan placed the person at the court; NULL: no scan
	placed     smallint    CHECK (placed IN (0, 1)),
	PRIMARY KEY (session_id, user_id)
);
CREATE INDEX course_marks_user ON course_marks (user_id);
