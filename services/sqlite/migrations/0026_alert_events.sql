-- 0026: the events of arrival alerts (services/share), kept so that a
-- viewer whose app was closed when the sharer arrived is told when it
-- connects again (the socket's alerts_after). At most
-- share.MaxAlertEventsPerViewer a viewer, the oldest dropped; gone with
-- their alert, so when the share ends or the viewer leaves its group.

CREATE TABLE share_alert_events (
	id        INTEGER PRIMARY KEY,
	alert_id  INTEGER NOT NULL REFERENCES share_alerts (id) ON DELETE CASCADE,
	share_id  INTEGER NOT NULL,
	viewer_id INTEGER NOT NULL,
	place     TEXT    NOT NULL,
	event     TEXT    NOT NULL CHECK (event IN ('enter', 'leave')),
	at        INTEGER NOT NULL,
	UNIQUE (alert_id, at)
) STRICT;
CREATE INDEX share_alert_events_viewer ON share_alert_events (viewer_id, id);
