-- 0023: visits (services/visitor). A visit is a visitor's account, a
-- host, a day (Shanghai) and a window, its people (visit_people: ID
-- numbers kept only as a keyed hash, id_hash), how it comes (on foot, or
-- by car with its plate) and where it meets (a building, and a room).
-- Invitations keep only the SHA-256 of their code. The watchlist keeps an
-- ID number as its keyed hash too. Names, phones, ID hashes and plates are
-- blanked a configured number of days after the visit (purged); the
-- rows stay, for the counts.

CREATE TABLE invitations (
	id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	host_id   bigint  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash bytea    NOT NULL UNIQUE,
	name      text    NOT NULL,
	phone     text    NOT NULL,
	type      text    NOT NULL,
	reason    text    NOT NULL,
	day       text    NOT NULL,
	starts    timestamptz NOT NULL,
	ends      timestamptz NOT NULL,
	place     text    NOT NULL,
	building  text    NOT NULL,
	unit      text    NOT NULL,
	status    text    NOT NULL CHECK (status IN ('open', 'accepted', 'withdrawn')),
	expires   timestamptz NOT NULL,
	created   timestamptz NOT NULL,
	purged    boolean NOT NULL DEFAULT false
);
CREATE INDEX invitations_host ON invitations (host_id, id);
CREATE INDEX invitations_open ON invitations (host_id, expires) WHERE status = 'open';
CREATE INDEX invitations_unpurged ON invitations (ends) WHERE NOT purged;

CREATE TABLE visits (
	id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	visitor_id    bigint  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	host_id       bigint  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	type          text    NOT NULL,
	reason        text    NOT NULL,
	day           text    NOT NULL,
	starts        timestamptz NOT NULL,
	ends          timestamptz NOT NULL,
	people        integer NOT NULL CHECK (people BETWEEN 1 AND 10),
	mode          text    NOT NULL CHECK (mode IN ('foot', 'car')),
	plate         text    NOT NULL DEFAULT '',
	place         text    NOT NULL DEFAULT '',
	building      text    NOT NULL DEFAULT '',
	unit          text    NOT NULL DEFAULT '',
	status        text    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
	source        text    NOT NULL CHECK (source IN ('self', 'invitation', 'import')),
	invitation_id bigint  REFERENCES invitations (id) ON DELETE SET NULL,
	note          text    NOT NULL DEFAULT '',
	decided_by    bigint  REFERENCES users (id) ON DELETE SET NULL,
	decided       timestamptz,
	created       timestamptz NOT NULL,
	lang          text    NOT NULL DEFAULT 'en',
	purged        boolean NOT NULL DEFAULT false
);
CREATE INDEX visits_visitor ON visits (visitor_id, id);
CREATE INDEX visits_host ON visits (host_id, id);
CREATE INDEX visits_host_day ON visits (host_id, day);
CREATE INDEX visits_open ON visits (ends) WHERE status IN ('pending', 'approved');
CREATE INDEX visits_plate ON visits (plate, starts) WHERE plate <> '';
CREATE INDEX visits_unpurged ON visits (ends) WHERE NOT purged;
CREATE INDEX visits_invitation ON visits (invitation_id) WHERE invitation_id IS NOT NULL;

CREATE TABLE visit_people (
	visit_id bigint  NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
	n        integer NOT NULL,
	name     text    NOT NULL,
	phone    text    NOT NULL,
	id_hash  bytea,
	id_kind  text    NOT NULL CHECK (id_kind IN ('prc', 'passport')),
	entered  timestamptz,
	left_at  timestamptz,
	gate     text    NOT NULL DEFAULT '',
	PRIMARY KEY (visit_id, n)
);
CREATE INDEX visit_people_id ON visit_people (id_hash) WHERE id_hash IS NOT NULL;
CREATE INDEX visit_people_onsite ON visit_people (entered) WHERE entered IS NOT NULL AND left_at IS NULL;

CREATE TABLE watchlist (
	id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind     text    NOT NULL CHECK (kind IN ('id_number', 'phone', 'plate', 'name')),
	value    text    NOT NULL,
	note     text    NOT NULL,
	added_by bigint  REFERENCES users (id) ON DELETE SET NULL,
	created  timestamptz NOT NULL,
	UNIQUE (kind, value)
);
