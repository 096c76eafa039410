-- 0002: family accounts. A family account names its sponsor (a staff
-- account); an application waits for an admin's decision.

ALTER TABLE users ADD COLUMN sponsor_id bigint REFERENCES users (id) ON DELETE CASCADE;

CREATE INDEX users_sponsor ON users (sponsor_id) WHERE sponsor_id IS NOT NULL;

CREATE TABLE family_applications (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sponsor_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	phone      text        NOT NULL,
	name       text        NOT NULL,
	status     text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
	created    timestamptz NOT NULL,
	decided    timestamptz,
	user_id    bigint      REFERENCES users (id) ON DELETE SET NULL
);

CREATE INDEX family_applications_sponsor ON family_applications (sponsor_id, id);
