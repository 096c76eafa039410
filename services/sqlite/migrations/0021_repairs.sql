-- 0021: repair tickets (services/repair). A ticket's number is its year
-- (Shanghai) and that year's next value of repair_numbers, taken in the
-- ticket's transaction (one UPSERT: concurrent reports take turns on the
-- year's row). duplicate_of links a report to the open original of the
-- same fault. Every transition is a row of repair_events, written with
-- the ticket's change (and its audit entry and mail).

CREATE TABLE repair_numbers (
	year INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
) STRICT;

CREATE TABLE repair_tickets (
	id           INTEGER PRIMARY KEY,
	number       TEXT    NOT NULL UNIQUE,
	reporter_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	lang         TEXT    NOT NULL,
	category     TEXT    NOT NULL,
	description  TEXT    NOT NULL,
	contact      TEXT    NOT NULL,
	unit         TEXT    NOT NULL,
	ref          TEXT    NOT NULL,
	building     TEXT    NOT NULL,
	level        TEXT    NOT NULL,
	floor        TEXT    NOT NULL,
	ordinal      INTEGER,
	lon          REAL    NOT NULL,
	lat          REAL    NOT NULL,
	source       TEXT    NOT NULL CHECK (source IN ('manual', 'point', 'beacons')),
	in_room      INTEGER NOT NULL CHECK (in_room IN (0, 1)),
	status       TEXT    NOT NULL CHECK (status IN ('submitted', 'dispatched', 'in_progress', 'on_hold', 'completed', 'closed')),
	assignee     TEXT    NOT NULL DEFAULT '',
	duplicate_of INTEGER REFERENCES repair_tickets (id) ON DELETE SET NULL,
	created      INTEGER NOT NULL,
	completed    INTEGER,
	stars        INTEGER NOT NULL DEFAULT 0 CHECK (stars BETWEEN 0 AND 5),
	comment      TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX repair_tickets_reporter ON repair_tickets (reporter_id, id);
CREATE INDEX repair_tickets_open ON repair_tickets (category, ordinal) WHERE status NOT IN ('completed', 'closed');
CREATE INDEX repair_tickets_duplicates ON repair_tickets (duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX repair_tickets_completed ON repair_tickets (completed) WHERE status = 'completed';

CREATE TABLE repair_events (
	id          INTEGER PRIMARY KEY,
	ticket_id   INTEGER NOT NULL REFERENCES repair_tickets (id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	actor_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
	from_status TEXT    NOT NULL,
	to_status   TEXT    NOT NULL,
	note        TEXT    NOT NULL
) STRICT;
CREATE INDEX repair_events_ticket ON repair_events (ticket_id, id);
