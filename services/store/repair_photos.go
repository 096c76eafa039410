package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/campusnav/engine/services/repair"
)

// Photos of repair tickets: added with their ticket's row locked, so the
// count and the uploader's bytes are checked against what committed.

const photoColumns = `id, ticket_id, COALESCE(uploader_id, 0), content_type, bytes, width, height, sha256, created FROM repair_photos`

func scanPhoto(r row) (repair.Photo, error) {
	var p repair.Photo
	return p, r.Scan(&p.ID, &p.TicketID, &p.UploaderID, &p.ContentType, &p.Bytes, &p.Width, &p.Height, &p.SHA256, timeOf{&p.Created})
}

// AddPhoto adds p to its ticket.
func (db *DB) AddPhoto(ctx context.Context, p repair.Photo, may func(repair.Ticket) error) (repair.Photo, bool, error) {
	p.Created = stamp(p.Created)
	added := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		added = false
		t, err := scanTicket(tx.QueryRowContext(ctx, "SELECT "+ticketColumns+" WHERE t.id = $1"+db.forUpdateOf("t"), p.TicketID))
		if noRows(err) {
			return served{repair.ErrNoTicket}
		}
		if err != nil {
			return err
		}
		if err := may(t); err != nil {
			return served{err}
		}
		same, err := scanPhoto(tx.QueryRowContext(ctx, "SELECT "+photoColumns+" WHERE ticket_id = $1 AND sha256 = $2", p.TicketID, p.SHA256))
		if err == nil {
			p = same
			return nil
		}
		if !noRows(err) {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM repair_photos WHERE ticket_id = $1", p.TicketID).Scan(&n); err != nil {
			return err
		}
		if n >= repair.MaxPhotos {
			return served{repair.ErrTooManyPhotos}
		}
		var open int64
		err = tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(p.bytes), 0) FROM repair_photos p JOIN repair_tickets t ON t.id = p.ticket_id
			WHERE p.uploader_id = $1 AND `+openTicket, p.UploaderID).Scan(&open)
		if err != nil {
			return err
		}
		if open+int64(p.Bytes) > repair.MaxPhotoBytesOpen {
			return served{repair.ErrPhotoBytes}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO repair_photos (ticket_id, uploader_id, content_type, bytes, width, height, sha256, data, created)
			VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			p.TicketID, p.UploaderID, p.ContentType, p.Bytes, p.Width, p.Height, p.SHA256, p.Data, db.d.Time(p.Created)).Scan(&p.ID)
		added = err == nil
		return err
	})
	p.Data = nil
	return p, added, db.fail(err, "photo of repair ticket %d", p.TicketID)
}

// Photo is a photo with its bytes.
func (db *DB) Photo(ctx context.Context, id, pid int64) (repair.Photo, error) {
	var p repair.Photo
	err := db.sql.QueryRowContext(ctx, `SELECT id, ticket_id, COALESCE(uploader_id, 0), content_type, bytes, width, height, sha256, created, data
		FROM repair_photos WHERE id = $1 AND ticket_id = $2`, pid, id).
		Scan(&p.ID, &p.TicketID, &p.UploaderID, &p.ContentType, &p.Bytes, &p.Width, &p.Height, &p.SHA256, timeOf{&p.Created}, &p.Data)
	if noRows(err) {
		return p, repair.ErrNoPhoto
	}
	return p, db.fail(err, "photo %d of repair ticket %d", pid, id)
}

// ticketPhotos are the photos of ticket id, without their bytes.
func (db *DB) ticketPhotos(ctx context.Context, q querier, id int64) ([]repair.Photo, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+photoColumns+" WHERE ticket_id = $1 ORDER BY id", id)
	return list(rows, err, scanPhoto)
}

// PurgePhotos deletes the photos of closed tickets reported before t.
func (db *DB) PurgePhotos(ctx context.Context, t time.Time, limit int) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM repair_photos WHERE id IN (SELECT p.id FROM repair_photos p
			JOIN repair_tickets t ON t.id = p.ticket_id WHERE t.status = 'closed' AND t.created < $1 ORDER BY p.id LIMIT $2)`, db.t(t), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), db.fail(err, "purging repair photos")
}
