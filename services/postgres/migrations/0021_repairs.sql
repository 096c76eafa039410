-- 0021: repair tickets (services/repair). A ticket's number is its year
-- (Shanghai) and that year's next value of repair_numbers, taken in the
-- ticket's transaction (one UPSERT: concurrent reports take turns on the
-- year's row). duplicate_of links a report to the open original of the
-- same fault. Every transition is a row of repair_events, written with
-- the ticket's change (and its audit entry and mail).

CREATE TABLE repair_numbers (
	year integer PRIMARY KEY,
	last bigint  NOT NULL
);

CREATE TABLE repair_tickets (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	number       text        NOT NULL UNIQUE,
	reporter_id  bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	lang         text        NOT NULL,
	category     text        NOT NULL,
	description  text        NOT NULL,
	contact      text        NOT NULL,
	unit         text        COLLATE "C" NOT NULL,
	ref          text        NOT NULL,
	building     text        NOT NULL,
	level        text        NOT NULL,
	floor        text        NOT NULL,
	ordinal      integer,
	lon          double precision NOT NULL,
	lat          double precision NOT NULL,
	source       text        NOT NULL CHECK (source IN ('manual', 'point', 'beacons')),
	in_room      boolean     NOT NULL,
	status       text        NOT NULL CHECK (status IN ('submitted', 'dispatched', 'in_progress', 'on_hold', 'completed', 'closed')),
	assignee     text        NOT NULL DEFAULT '',
	duplicate_of bigint      REFERENCES repair_tickets (id) ON DELETE SET NULL,
	created      timestamptz NOT NULL,
	completed    timestamptz,
	stars        integer     NOT NULL DEFAULT 0 CHECK (stars BETWEEN 0 AND 5),
	comment      text        NOT NULL DEFAULT ''
);
CREATE INDEX repair_tickets_reporter ON repair_tickets (reporter_id, id);
CREATE INDEX repair_tickets_open ON repair_tickets (category, ordinal) WHERE status NOT IN ('completed', 'closed');
CREATE INDEX repair_tickets_duplicates ON repair_tickets (duplicate_of) WHERE duplicate_of IS NOT NULL;
CREATE INDEX repair_tickets_completed ON repair_tickets (completed) WHERE status = 'completed';

CREATE TABLE repair_events (
	id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ticket_id   bigint      NOT NULL REFERENCES repair_tickets (id) ON DELETE CASCADE,
	at          timestamptz NOT NULL,
	actor_id    bigint      REFERENCES users (id) ON DELETE SET NULL,
	from_status text        NOT NULL,
	to_status   text        NOT NULL,
	note        text        NOT NULL
);
CREATE INDEX repair_events_ticket ON repair_events (ticket_id, id);
