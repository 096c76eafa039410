-- 0023: visits (services/visitor). A visit is a visitor's account, a
-- host, a day (Shanghai) and a window, its people (visit_people: ID
-- numbers kept only as a keyed hash, id_hash), how it comes (on foot, or
-- by car with its plate) and where it meets (a building, and a room).
-- Invitations keep only the SHA-256 of their code. The watchlist keeps an
-- ID number as its keyed hash too. Names, phones, ID hashes and plates are
-- blanked a configured number of days after the visit (purged = 1); the
-- rows stay, for the counts.

CREATE TABLE invitations (
	id        INTEGER PRIMARY KEY,
	host_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash BLOB    NOT NULL UNIQUE,
	name      TEXT    NOT NULL,
	phone     TEXT    NOT NULL,
	type      TEXT    NOT NULL,
	reason    TEXT    NOT NULL,
	day       TEXT    NOT NULL,
	starts    INTEGER NOT NULL,
	ends      INTEGER NOT NULL,
	place     TEXT    NOT NULL,
	building  TEXT    NOT NULL,
	unit      TEXT    NOT NULL,
	status    TEXT    NOT NULL CHECK (status IN ('open', 'accepted', 'withdrawn')),
	expires   INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	purged    INTEGER NOT NULL DEFAULT 0 CHECK (purged IN (0, 1))
) STRICT;
CREATE INDEX invitations_host ON invitations (host_id, id);
CREATE INDEX invitations_open ON invitations (host_id, expires) WHERE status = 'open';
CREATE INDEX invitations_unpurged ON invitations (ends) WHERE purged = 0;

CREATE TABLE visits (
	id            INTEGER PRIMARY KEY,
	visitor_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	host_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	type          TEXT    NOT NULL,
	reason        TEXT    NOT NULL,
	day           TEXT    NOT NULL,
	starts        INTEGER NOT NULL,
	ends          INTEGER NOT NULL,
	people        INTEGER NOT NULL CHECK (people BETWEEN 1 AND 10),
	mode          TEXT    NOT NULL CHECK (mode IN ('foot', 'car')),
	plate         TEXT    NOT NULL DEFAULT '',
	place         TEXT    NOT NULL DEFAULT '',
	building      TEXT    NOT NULL DEFAULT '',
	unit          TEXT    NOT NULL DEFAULT '',
	status        TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
	source        TEXT    NOT NULL CHECK (source IN ('self', 'invitation', 'import')),
	invitation_id INTEGER REFERENCES invitations (id) ON DELETE SET NULL,
	note          TEXT    NOT NULL DEFAULT '',
	decided_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
	decided       INTEGER,
	created       INTEGER NOT NULL,
	lang          TEXT    NOT NULL DEFAULT 'en',
	purged        INTEGER NOT NULL DEFAULT 0 CHECK (purged IN (0, 1))
) STRICT;
CREATE INDEX visits_visitor ON visits (visitor_id, id);
CREATE INDEX visits_host ON visits (host_id, id);
CREATE INDEX visits_host_day ON visits (host_id, day);
CREATE INDEX visits_open ON visits (ends) WHERE status IN ('pending', 'approved');
CREATE INDEX visits_plate ON visits (plate, starts) WHERE plate <> '';
CREATE INDEX visits_unpurged ON visits (ends) WHERE purged = 0;
CREATE INDEX visits_invitation ON visits (invitation_id) WHERE invitation_id IS NOT NULL;

CREATE TABLE visit_people (
	visit_id INTEGER NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
	n        INTEGER NOT NULL,
	name     TEXT    NOT NULL,
	phone    TEXT    NOT NULL,
	id_hash  BLOB,
	id_kind  TEXT    NOT NULL CHECK (id_kind IN ('prc', 'passport')),
	entered  INTEGER,
	left_at  INTEGER,
	gate     TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (visit_id, n)
) STRICT;
CREATE INDEX visit_people_id ON visit_people (id_hash) WHERE id_hash IS NOT NULL;
CREATE INDEX visit_people_onsite ON visit_people (entered) WHERE entered IS NOT NULL AND left_at IS NULL;

CREATE TABLE watchlist (
	id       INTEGER PRIMARY KEY,
	kind     TEXT    NOT NULL CHECK (kind IN ('id_number', 'phone', 'plate', 'name')),
	value    TEXT    NOT NULL,
	note     TEXT    NOT NULL,
	added_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
	created  INTEGER NOT NULL,
	UNIQUE (kind, value)
) STRICT;
