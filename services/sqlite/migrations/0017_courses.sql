-- 0017: the sports hall's courses (services/booking, courses.go). A
-- course's sessions each hold its court with a live booking (bookings of
-- 0015: its triggers keep them from overlapping anything else booked on
-- the court). People enrol in order of arrival (the enrolment's id):
-- enrolled while the course has a place, then waiting; SQLite's one
-- writer makes the store's count and its write one step, so that no more
-- are enrolled than the capacity. A person's marks of a session (checked
-- in, leave) are kept; a no-show is told from the time.

CREATE TABLE courses (
	id                 INTEGER PRIMARY KEY,
	name_en            TEXT    NOT NULL,
	name_zh            TEXT    NOT NULL,
	court              TEXT    NOT NULL,
	capacity           INTEGER NOT NULL CHECK (capacity > 0),
	enrol_until        INTEGER NOT NULL,
	cancel_until       INTEGER NOT NULL,
	checkin_before_min INTEGER NOT NULL CHECK (checkin_before_min >= 0),
	checkin_after_min  INTEGER NOT NULL CHECK (checkin_after_min >= 0),
	leave_until_min    INTEGER NOT NULL CHECK (leave_until_min >= 0),
	created_by         INTEGER REFERENCES users (id) ON DELETE SET NULL,
	created            INTEGER NOT NULL,
	-- the end of its last session; NULL while it has none
	ends_at            INTEGER
) STRICT;
CREATE INDEX courses_ends ON courses (ends_at);

CREATE TABLE course_sessions (
	id         INTEGER PRIMARY KEY,
	course_id  INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	start_at   INTEGER NOT NULL,
	end_at     INTEGER NOT NULL,
	booking_id INTEGER REFERENCES bookings (id) ON DELETE SET NULL,
	CHECK (start_at < end_at)
) STRICT;
CREATE INDEX course_sessions_course ON course_sessions (course_id, start_at);

CREATE TABLE course_enrolments (
	id          INTEGER PRIMARY KEY,
	course_id   INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	status      TEXT    NOT NULL CHECK (status IN ('enrolled', 'waiting')),
	created     INTEGER NOT NULL,
	enrolled_at INTEGER,
	CHECK ((status = 'enrolled') = (enrolled_at IS NOT NULL)),
	UNIQUE (course_id, user_id)
) STRICT;
CREATE INDEX course_enrolments_queue ON course_enrolments (course_id, status, id);
CREATE INDEX course_enrolments_user ON course_enrolments (user_id);

CREATE TABLE course_marks (
	session_id INTEGER NOT NULL REFERENCES course_sessions (id) ON DELETE CASCADE,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	mark       TEXT    NOT NULL CHECK (mark IN ('checked_in', 'leave')),
	at         INTEGER NOT NULL,
	-- whether a beacon scan placed the person at the court; NULL: no scan
	placed     INTEGER CHECK (placed IN (0, 1)),
	PRIMARY KEY (session_id, user_id)
) STRICT;
CREATE INDEX course_marks_user ON course_marks (user_id);
