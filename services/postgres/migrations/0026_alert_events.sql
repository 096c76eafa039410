-- 0026: the events of arrival alerts (services/share), kept so that a
-- viewer whose app was closed when the sharer arrived is told when it
-- connects again (the socket's alerts_after). At most
-- share.MaxAlertEventsPerViewer a viewer, the oldest dropped; gone with
-- their alert, so when the share ends or the viewer leaves its group.

CREATE TABLE share_alert_events (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	alert_id  bigint NOT NULL REFERENCES share_alerts (id) ON DELETE CASCADE,
	share_id  bigint NOT NULL,
	viewer_id bigint NOT NULL,
	place     text   NOT NULL,
	event     text   NOT NULL CHECK (event IN ('enter', 'leave')),
	at        timestamptz NOT NULL,
	UNIQUE (alert_id, at)
);
CREATE INDEX share_alert_events_viewer ON share_alert_events (viewer_id, id);
