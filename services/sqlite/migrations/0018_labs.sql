-- 0018: the labs (services/booking, labs.go): people's memberships of a
-- lab (their profile and the lab's decision; one row a person a lab) and
-- the samples members send it, which the lab moves forward from
-- submitted to returned.

CREATE TABLE lab_members (
	lab        TEXT    NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT    NOT NULL,
	department TEXT    NOT NULL,
	supervisor TEXT    NOT NULL DEFAULT '',
	phone      TEXT    NOT NULL,
	email      TEXT    NOT NULL,
	purpose    TEXT    NOT NULL DEFAULT '',
	status     TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
	note       TEXT    NOT NULL DEFAULT '',
	applied    INTEGER NOT NULL,
	decided    INTEGER,
	decided_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
	PRIMARY KEY (lab, user_id),
	CHECK ((status = 'pending') OR decided IS NOT NULL)
) STRICT;
CREATE INDEX lab_members_user ON lab_members (user_id);
CREATE INDEX lab_members_status ON lab_members (lab, status, user_id);

CREATE TABLE lab_samples (
	id      INTEGER PRIMARY KEY,
	lab     TEXT    NOT NULL,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	what    TEXT    NOT NULL,
	count   INTEGER NOT NULL CHECK (count > 0),
	service TEXT    NOT NULL,
	note    TEXT    NOT NULL DEFAULT '',
	status  TEXT    NOT NULL CHECK (status IN ('submitted', 'received', 'in_progress', 'done', 'returned')),
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
) STRICT;
CREATE INDEX lab_samples_user ON lab_samples (lab, user_id, id);
CREATE INDEX lab_samples_status ON lab_samples (lab, status, id);
