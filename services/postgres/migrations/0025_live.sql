-- 0025: live location sharing (services/share). A share shows its
-- sharer's live location to one person (pending until they accept) or to
-- a group's members at the time, until it ends or its end passes. Only
-- the last location of a share is kept, in the memory of the servers;
-- share_points keep a share's track only when its sharer turned history
-- on, and are deleted when it ends. share_views records once who saw
-- whose location (with its audit entry). live_tickets are the single-use
-- tickets of the socket, live_changes the change log every server polls.

CREATE TABLE share_groups (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name     text    NOT NULL,
	owner_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code     text COLLATE "C"    NOT NULL UNIQUE,
	created  timestamptz NOT NULL
);
CREATE INDEX share_groups_owner ON share_groups (owner_id);

CREATE TABLE share_members (
	group_id bigint NOT NULL REFERENCES share_groups (id) ON DELETE CASCADE,
	user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	joined   timestamptz NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX share_members_user ON share_members (user_id);

CREATE TABLE shares (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sharer_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	with_id   bigint REFERENCES users (id) ON DELETE CASCADE,
	group_id  bigint REFERENCES share_groups (id) ON DELETE SET NULL,
	status    text    NOT NULL CHECK (status IN ('pending', 'active', 'ended')),
	history   boolean NOT NULL,
	created   timestamptz NOT NULL,
	ends      timestamptz NOT NULL,
	accepted  timestamptz,
	ended     timestamptz,
	CHECK (status = 'ended' OR (with_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX shares_sharer ON shares (sharer_id) WHERE status <> 'ended';
CREATE INDEX shares_with ON shares (with_id) WHERE status <> 'ended';
CREATE INDEX shares_group ON shares (group_id) WHERE status <> 'ended';
CREATE INDEX shares_ends ON shares (ends) WHERE status <> 'ended';

CREATE TABLE share_points (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	share_id   bigint NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	at         timestamptz NOT NULL,
	lon        double precision    NOT NULL,
	lat        double precision    NOT NULL,
	ordinal    integer,
	level      text    NOT NULL,
	building   text    NOT NULL,
	accuracy_m double precision    NOT NULL
);
CREATE INDEX share_points_share ON share_points (share_id, id);

CREATE TABLE share_alerts (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	share_id  bigint NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	viewer_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	place     text    NOT NULL,
	on_event  text    NOT NULL CHECK (on_event IN ('enter', 'leave')),
	created   timestamptz NOT NULL,
	UNIQUE (share_id, viewer_id, place, on_event)
);
CREATE INDEX share_alerts_viewer ON share_alerts (viewer_id);

CREATE TABLE share_views (
	share_id  bigint NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
	viewer_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	at        timestamptz NOT NULL,
	PRIMARY KEY (share_id, viewer_id)
);

CREATE TABLE live_tickets (
	hash    text COLLATE "C"    PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires timestamptz NOT NULL
);
CREATE INDEX live_tickets_user ON live_tickets (user_id);
CREATE INDEX live_tickets_expires ON live_tickets (expires);

CREATE TABLE live_changes (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	share_id bigint,
	user_id  bigint,
	at       timestamptz NOT NULL
);
CREATE INDEX live_changes_at ON live_changes (at);
