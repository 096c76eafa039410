-- 0025: live location sharing (services/share). A share shows its
-- sharer's live location to one person (pending until they accept) or to
-- a group's members at the time, until it ends or its end passes. Only
-- the last location of a share is kept, in the memory of the servers;
-- share_points keep a share's track only when its sharer turned history
-- on, and are deleted when it ends. share_views records once who saw
-- whose location (with its audit entry). live_tickets are the single-use
-- tickets of the socket, live_changes the change log every server polls.

CREATE TABLE share_groups (
	id       INTEGER PRIMARY KEY,
	name     TEXT    NOT NULL,
	owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code     TEXT    NOT NULL UNIQUE,
	created  INTEGER NOT NULL
) STRICT;
CREATE INDEX share_groups_owner ON share_groups (owner_id);

CREATE TABLE share_members (
	group_id INTEGER NOT NULL REFERENCES share_groups (id) ON DELETE CASCADE,
	user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	joined   INTEGER NOT NULL,
	PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX share_members_user ON share_members (user_id);

CREATE TABLE shares (
	id        INTEGER PRIMARY KEY,
	sharer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	with_id   INTEGER REFERENCES users (id) ON DELETE CASCADE,
	group_id  INTEGER REFERENCES share_groups (id) ON DELETE SET NULL,
	status    TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'ended')),
	history   INTEGER NOT NULL CHECK (history IN (0, 1)),
	created   INTEGER NOT NULL,
	ends      INTEGER NOT NULL,
	accepted  INTEGER,
	ended     INTEGER,
	CHECK (status = 'ended' OR (with_id IS NULL) <> (group_id IS NULL))
) STRICT;
CREATE INDEX shares_sharer ON shares (sharer_id) WHERE status <> 'ended';
CREATE INDEX shares_with ON shares (with_id) WHERE status <> 'ended';
CREATE INDEX shares_group ON shares (group_id) WHERE status <> 'ended';
CREATE INDEX shares_ends ON shares (ends) WHERE status <> 'ended';

CREATE TABLE share_points (
	id         INTEGER PRIMARY KEY,
	share_id   INTEGER NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	at         INTEGER NOT NULL,
	lon        REAL    NOT NULL,
	lat        REAL    NOT NULL,
	ordinal    INTEGER,
	level      TEXT    NOT NULL,
	building   TEXT    NOT NULL,
	accuracy_m REAL    NOT NULL
) STRICT;
CREATE INDEX share_points_share ON share_points (share_id, id);

CREATE TABLE share_alerts (
	id        INTEGER PRIMARY KEY,
	share_id  INTEGER NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	viewer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	place     TEXT    NOT NULL,
	on_event  TEXT    NOT NULL CHECK (on_event IN ('enter', 'leave')),
	created   INTEGER NOT NULL,
	UNIQUE (share_id, viewer_id, place, on_event)
) STRICT;
CREATE INDEX share_alerts_viewer ON share_alerts (viewer_id);

CREATE TABLE share_views (
	share_id  INTEGER NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	viewer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	at        INTEGER NOT NULL,
	PRIMARY KEY (share_id, viewer_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE live_tickets (
	hash    TEXT    PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX live_tickets_user ON live_tickets (user_id);
CREATE INDEX live_tickets_expires ON live_tickets (expires);

CREATE TABLE live_changes (
	id       INTEGER PRIMARY KEY,
	share_id INTEGER,
	user_id  INTEGER,
	at       INTEGER NOT NULL
) STRICT;
CREATE INDEX live_changes_at ON live_changes (at);
