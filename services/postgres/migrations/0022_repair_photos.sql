-- 0022: photos of repair tickets (services/repair). The bytes are kept
-- with the ticket, in its store: a photo is added in one transaction with
-- the checks of its ticket (locked), its count and its uploader's bytes.
-- One ticket holds a given image (sha256) once.

CREATE TABLE repair_photos (
	id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ticket_id    bigint      NOT NULL REFERENCES repair_tickets (id) ON DELETE CASCADE,
	uploader_id  bigint      REFERENCES users (id) ON DELETE SET NULL,
	content_type text        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
	bytes        integer     NOT NULL CHECK (bytes > 0),
	width        integer     NOT NULL,
	height       integer     NOT NULL,
	sha256       text        NOT NULL,
	data         bytea       NOT NULL,
	created      timestamptz NOT NULL,
	UNIQUE (ticket_id, sha256)
);
CREATE INDEX repair_photos_uploader ON repair_photos (uploader_id);
