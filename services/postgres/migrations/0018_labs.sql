-- 0018: the labs (services/booking, labs.go): people's memberships of a
-- lab (their profile and the lab's decision; one row a person a lab) and
-- the samples members send it, which the lab moves forward from
-- submitted to returned.

CREATE TABLE lab_members (
	lab        text        COLLATE "C" NOT NULL,
	user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       text        NOT NULL,
	department text        NOT NULL,
	supervisor text        NOT NULL DEFAULT '',
	phone      text        NOT NULL,
	email      text        NOT NULL,
	purpose    text        NOT NULL DEFAULT '',
	status     text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
	note       text        NOT NULL DEFAULT '',
	applied    timestamptz NOT NULL,
	decided    timestamptz,
	decided_by bigint      REFERENCES users (id) ON DELETE SET NULL,
	PRIMARY KEY (lab, user_id),
	CHECK ((status = 'pending') OR decided IS NOT NULL)
);
CREATE INDEX lab_members_user ON lab_members (user_id);
CREATE INDEX lab_members_status ON lab_members (lab, status, user_id);

CREATE TABLE lab_samples (
	id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	lab     text        COLLATE "C" NOT NULL,
	user_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	what    text        NOT NULL,
	count   integer     NOT NULL CHECK (count > 0),
	service text        NOT NULL,
	note    text        NOT NULL DEFAULT '',
	status  text        NOT NULL CHECK (status IN ('submitted', 'received', 'in_progress', 'done', 'returned')),
	created timestamptz NOT NULL,
	updated timestamptz NOT NULL
);
CREATE INDEX lab_samples_user ON lab_samples (lab, user_id, id);
CREATE INDEX lab_samples_status ON lab_samples (lab, status, id);
