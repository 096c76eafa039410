-- 0002: family accounts. A family account names its sponsor (a staff
-- account); an application waits for an admin's decision.

ALTER TABLE users ADD COLUMN sponsor_id INTEGER REFERENCES users (id) ON DELETE CASCADE;

CREATE INDEX users_sponsor ON users (sponsor_id) WHERE sponsor_id IS NOT NULL;

CREATE TABLE family_applications (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	sponsor_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	phone      TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	status     TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
	created    INTEGER NOT NULL,
	decided    INTEGER,
	user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;

CREATE INDEX family_applications_sponsor ON family_applications (sponsor_id, id);
