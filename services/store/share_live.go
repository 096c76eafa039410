package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
)

// What live sharing keeps beside shares and groups: histories, alerts,
// the socket's tickets, the change log, the audited sights, and the
// ending of expired shares and of a disabled account's.

// AddPoint adds a point to a share's history.
func (db *DB) AddPoint(ctx context.Context, id int64, p share.Point) error {
	var ordinal any
	if p.Ordinal != nil {
		ordinal = *p.Ordinal
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO share_points (share_id, at, lon, lat, ordinal, level, building, accuracy_m)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, db.t(p.At), p.Lon, p.Lat, ordinal, p.Level, p.Building, p.AccuracyM)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM share_points WHERE share_id = $1 AND id <=
			(SELECT id FROM share_points WHERE share_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`, id, share.MaxTrackPoints)
		return err
	})
	return db.fail(err, "point of share %d", id)
}

// Track lists a share's history.
func (db *DB) Track(ctx context.Context, id int64, after int64, limit int) ([]share.Point, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, at, lon, lat, ordinal, level, building, accuracy_m FROM share_points
		WHERE share_id = $1 AND id > $2 ORDER BY id LIMIT $3`, id, after, limit)
	ps, err := list(rows, err, func(r row) (share.Point, error) {
		var p share.Point
		var o sql.NullInt64
		err := r.Scan(&p.ID, timeOf{&p.At}, &p.Lon, &p.Lat, &o, &p.Level, &p.Building, &p.AccuracyM)
		if o.Valid {
			n := int(o.Int64)
			p.Ordinal = &n
		}
		return p, err
	})
	return ps, db.fail(err, "track of share %d", id)
}

const alertColumns = "id, share_id, viewer_id, place, on_event, created FROM share_alerts"

func scanAlert(r row) (share.Alert, error) {
	var a share.Alert
	return a, r.Scan(&a.ID, &a.ShareID, &a.ViewerID, &a.Place, &a.On, timeOf{&a.Created})
}

// AddAlert stores an alert within its bounds.
func (db *DB) AddAlert(ctx context.Context, a share.Alert) (share.Alert, error) {
	a.Created = stamp(a.Created)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockUser(ctx, tx, a.ViewerID); err != nil {
			return err
		}
		got, err := scanAlert(tx.QueryRowContext(ctx, "SELECT "+alertColumns+" WHERE share_id = $1 AND viewer_id = $2 AND place = $3 AND on_event = $4",
			a.ShareID, a.ViewerID, a.Place, a.On))
		if err == nil {
			a = got
			return nil
		}
		if !noRows(err) {
			return err
		}
		for _, b := range []struct {
			q   string
			max int
			err error
			arg []any
		}{
			{"SELECT count(*) FROM share_alerts WHERE viewer_id = $1", share.MaxAlertsPerViewer, share.ErrTooManyAlerts, []any{a.ViewerID}},
			{"SELECT count(*) FROM share_alerts", share.MaxAlerts, share.ErrAlertsFull, nil},
		} {
			n, err := count(ctx, tx, b.q, b.arg...)
			if err != nil {
				return err
			}
			if n >= b.max {
				return served{b.err}
			}
		}
		err = tx.QueryRowContext(ctx, "INSERT INTO share_alerts (share_id, viewer_id, place, on_event, created) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			a.ShareID, a.ViewerID, a.Place, a.On, db.t(a.Created)).Scan(&a.ID)
		if err != nil {
			return err
		}
		return db.shareChanged(ctx, tx, a.ShareID, a.Created)
	})
	return a, db.fail(err, "alert")
}

// Alerts lists the alerts on a share.
func (db *DB) Alerts(ctx context.Context, id int64) ([]share.Alert, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+alertColumns+" WHERE share_id = $1 ORDER BY id", id)
	as, err := list(rows, err, scanAlert)
	return as, db.fail(err, "alerts of share %d", id)
}

// AddAlertEvent keeps an alert's event once, within the viewer's bound.
func (db *DB) AddAlertEvent(ctx context.Context, e share.AlertEvent) (share.AlertEvent, error) {
	e.At = stamp(e.At)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO share_alert_events (alert_id, share_id, viewer_id, place, event, at)
			SELECT id, share_id, viewer_id, place, $2, $3 FROM share_alerts WHERE id = $1
			ON CONFLICT (alert_id, at) DO NOTHING RETURNING id, share_id, viewer_id, place`, e.AlertID, e.Event, db.t(e.At)).
			Scan(&e.ID, &e.ShareID, &e.ViewerID, &e.Place)
		if noRows(err) {
			// Kept already, or its alert is gone.
			err = tx.QueryRowContext(ctx, "SELECT id, share_id, viewer_id, place, event FROM share_alert_events WHERE alert_id = $1 AND at = $2",
				e.AlertID, db.t(e.At)).Scan(&e.ID, &e.ShareID, &e.ViewerID, &e.Place, &e.Event)
			if noRows(err) {
				e.ID = 0
				return nil
			}
			return err
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM share_alert_events WHERE viewer_id = $1 AND id <=
			(SELECT id FROM share_alert_events WHERE viewer_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`, e.ViewerID, share.MaxAlertEventsPerViewer)
		return err
	})
	return e, db.fail(err, "event of alert %d", e.AlertID)
}

// AlertEvents lists a viewer's kept alert events.
func (db *DB) AlertEvents(ctx context.Context, viewerID, after int64, limit int) ([]share.AlertEvent, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, alert_id, share_id, viewer_id, place, event, at FROM share_alert_events
		WHERE viewer_id = $1 AND id > $2 ORDER BY id LIMIT $3`, viewerID, after, limit)
	es, err := list(rows, err, func(r row) (share.AlertEvent, error) {
		var e share.AlertEvent
		return e, r.Scan(&e.ID, &e.AlertID, &e.ShareID, &e.ViewerID, &e.Place, &e.Event, timeOf{&e.At})
	})
	return es, db.fail(err, "alert events of %d", viewerID)
}

// NewTicket stores a socket ticket.
func (db *DB) NewTicket(ctx context.Context, hash string, userID int64, now, expires time.Time) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM live_tickets WHERE expires <= $1", db.t(now)); err != nil {
			return err
		}
		n, err := count(ctx, tx, "SELECT count(*) FROM live_tickets WHERE user_id = $1", userID)
		if err != nil {
			return err
		}
		if n >= share.MaxTicketsPerPerson {
			return served{share.ErrTooManyTickets}
		}
		if n, err = count(ctx, tx, "SELECT count(*) FROM live_tickets"); err != nil {
			return err
		}
		if n >= share.MaxTickets {
			return served{share.ErrTooManyTickets}
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO live_tickets (hash, user_id, expires) VALUES ($1, $2, $3)", hash, userID, db.t(expires))
		if db.d.IsForeignKey(err) {
			return served{fmt.Errorf("%w (account %d)", share.ErrNotFound, userID)}
		}
		return err
	})
	return db.fail(err, "ticket")
}

// RedeemTicket uses a ticket once.
func (db *DB) RedeemTicket(ctx context.Context, hash string, now time.Time) (auth.User, error) {
	var u auth.User
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var id int64
		var expires time.Time
		err := tx.QueryRowContext(ctx, "DELETE FROM live_tickets WHERE hash = $1 RETURNING user_id, expires", hash).Scan(&id, timeOf{&expires})
		if noRows(err) {
			return served{share.ErrNoTicket}
		}
		if err != nil {
			return err
		}
		if !now.Before(expires) {
			return served{share.ErrNoTicket}
		}
		u, err = scanUser(tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u"+sponsorJoin+" WHERE u.id = $1", id))
		if noRows(err) || err == nil && u.Disabled {
			return served{share.ErrNoTicket}
		}
		return err
	})
	return u, db.fail(err, "ticket")
}

// Changes lists the change log after an id.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]share.Change, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT id, COALESCE(share_id, 0), COALESCE(user_id, 0) FROM live_changes WHERE id > $1 ORDER BY id LIMIT $2", after, limit)
	cs, err := list(rows, err, func(r row) (share.Change, error) {
		var c share.Change
		return c, r.Scan(&c.ID, &c.ShareID, &c.UserID)
	})
	return cs, db.fail(err, "live changes")
}

// LastChange is the id of the change log's newest row.
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, "SELECT COALESCE(max(id), 0) FROM live_changes").Scan(&id)
	return id, db.fail(err, "live changes")
}

// RecordViews records first sights of shares with their audit entries.
func (db *DB) RecordViews(ctx context.Context, vs []share.Viewed) error {
	if len(vs) == 0 {
		return nil
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var es []audit.Entry
		for _, v := range vs {
			var sharer string
			err := tx.QueryRowContext(ctx, `INSERT INTO share_views (share_id, viewer_id, at)
				SELECT CAST($1 AS bigint), CAST($2 AS bigint), CAST($3 AS `+db.d.TimeType+`)
				WHERE EXISTS (SELECT 1 FROM shares WHERE id = $1) AND EXISTS (SELECT 1 FROM users WHERE id = $2)
				ON CONFLICT DO NOTHING RETURNING share_id`, v.ShareID, v.ViewerID, db.t(v.At)).Scan(new(int64))
			if noRows(err) {
				continue // seen already, or the share or the viewer is gone
			}
			if err != nil {
				return err
			}
			err = tx.QueryRowContext(ctx, "SELECT u.email FROM shares s JOIN users u ON u.id = s.sharer_id WHERE s.id = $1", v.ShareID).Scan(&sharer)
			if err != nil {
				return err
			}
			es = append(es, audit.Entry{At: stamp(v.At), Actor: v.ViewerID, Subject: sharer, Kind: share.AuditViewed, Decision: "viewed",
				Detail: audit.Detail(map[string]any{"share": v.ShareID})})
		}
		_, err := db.AppendManyTx(ctx, tx, es)
		return err
	})
	return db.fail(err, "views of shares")
}

// sharesKept is how long an ended share's row is kept (its audited views
// refer to it).
const sharesKept = 30 * 24 * time.Hour

// EndExpired ends the shares whose end has passed, and forgets expired
// tickets, old changes and long-ended shares.
func (db *DB) EndExpired(ctx context.Context, now time.Time, keep time.Duration, limit int) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT s.id, s.ends FROM shares s WHERE s.status <> 'ended' AND s.ends <= $1 ORDER BY s.ends LIMIT $2", db.t(now), limit)
		type ended struct {
			id   int64
			ends time.Time
		}
		es, err := list(rows, err, func(r row) (ended, error) {
			var e ended
			return e, r.Scan(&e.id, timeOf{&e.ends})
		})
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := db.endShares(ctx, tx, "s.id = $1", e.ends, e.id); err != nil {
				return err
			}
		}
		n = len(es)
		for _, q := range []struct {
			q string
			t time.Time
		}{
			{"DELETE FROM live_tickets WHERE expires <= $1", now},
			{"DELETE FROM live_changes WHERE at < $1", now.Add(-keep)},
			{"DELETE FROM shares WHERE status = 'ended' AND ended < $1", now.Add(-sharesKept)},
		} {
			if _, err := tx.ExecContext(ctx, q.q, db.t(q.t)); err != nil {
				return err
			}
		}
		return nil
	})
	return n, db.fail(err, "ending expired shares")
}

// endLiveOf ends, in tx, the live shares by or to account id and its
// family accounts, and writes the change rows of those accounts: a disabled account's shares end at
// once, on every server.
func (db *DB) endLiveOf(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	users := "SELECT u.id FROM users u WHERE u.id = $1 OR u.sponsor_id = $1"
	if err := db.endShares(ctx, tx, "s.sharer_id IN ("+users+") OR s.with_id IN ("+users+")", at, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO live_changes (user_id, at) SELECT u.id, $1 FROM users u WHERE u.id = $2 OR u.sponsor_id = $2", db.t(at), id)
	return err
}
