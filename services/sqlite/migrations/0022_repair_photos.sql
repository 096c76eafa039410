-- 0022: photos of repair tickets (services/repair). The bytes are kept
-- with the ticket, in its store: a photo is added in one transaction with
-- the checks of its ticket, its count and its uploader's bytes. One
-- ticket holds a given image (sha256) once.

CREATE TABLE repair_photos (
	id           INTEGER PRIMARY KEY,
	ticket_id    INTEGER NOT NULL REFERENCES repair_tickets (id) ON DELETE CASCADE,
	uploader_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
	content_type TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
	bytes        INTEGER NOT NULL CHECK (bytes > 0),
	width        INTEGER NOT NULL,
	height       INTEGER NOT NULL,
	sha256       TEXT    NOT NULL,
	data         BLOB    NOT NULL,
	created      INTEGER NOT NULL,
	UNIQUE (ticket_id, sha256)
) STRICT;
CREATE INDEX repair_photos_uploader ON repair_photos (uploader_id);
