package store

import (
	"context"
	"fmt"

	"github.com/campusnav/engine/services/places"
)

// placeColumns are the columns scanPlace reads, in order.
const placeColumns = "id, user_id, name, lon, lat, ordinal, created"

func scanPlace(r row) (places.Place, error) {
	var p places.Place
	err := r.Scan(&p.ID, &p.UserID, &p.Name, &p.Lon, &p.Lat, &p.Ordinal, timeOf{&p.Created})
	return p, err
}

// AddPlace stores a place of p.UserID: places.ErrInvalid (a
// *places.FieldError) if p is not valid, places.ErrNotFound if there is no
// such account, places.ErrFull if the person keeps places.MaxPerPerson
// already. A zero p.Created is the present.
//
// One statement inserts the place only where the account's count of
// places (users.places_count, kept by triggers) is under the cap. It
// reads the account's row for update, so two adds of one person take
// turns and the cap holds (on SQLite the writer holds the database). No
// add counts rows.
func (db *DB) AddPlace(ctx context.Context, p places.Place) (places.Place, error) {
	if err := p.Validate(); err != nil {
		return places.Place{}, err
	}
	w, unlock := db.writing()
	defer unlock()
	p.Created = stamp(p.Created)
	err := w.QueryRowContext(ctx, `INSERT INTO places (user_id, name, lon, lat, ordinal, created)
		SELECT id, $2, $3, $4, $5, $6 FROM users WHERE id = $1 AND places_count < $7`+db.d.ForUpdate+`
		RETURNING id`,
		p.UserID, p.Name, p.Lon, p.Lat, p.Ordinal, db.d.Time(p.Created), places.MaxPerPerson).Scan(&p.ID)
	if noRows(err) {
		// Full, or no such account: the rare case asks which.
		var exists bool
		if err := w.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)", p.UserID).Scan(&exists); err != nil {
			return places.Place{}, db.errorf("adding place: %w", err)
		}
		if !exists {
			return places.Place{}, fmt.Errorf("%w (user %d)", places.ErrNotFound, p.UserID)
		}
		return places.Place{}, places.ErrFull
	}
	if err != nil {
		return places.Place{}, db.errorf("adding place: %w", err)
	}
	return p, nil
}

// ListPlaces returns the places of a person, by id: offset skipped, at
// most limit given.
func (db *DB) ListPlaces(ctx context.Context, userID int64, offset, limit int) ([]places.Place, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+placeColumns+" FROM places WHERE user_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
		userID, max(limit, 0), max(offset, 0))
	ps, err := list(rows, err, scanPlace)
	if err != nil {
		return nil, db.errorf("listing places: %w", err)
	}
	return ps, nil
}

// GetPlace returns place id of a person; places.ErrNotFound, also when the
// place is someone else's.
func (db *DB) GetPlace(ctx context.Context, userID, id int64) (places.Place, error) {
	p, err := scanPlace(db.sql.QueryRowContext(ctx,
		"SELECT "+placeColumns+" FROM places WHERE id = $1 AND user_id = $2", id, userID))
	if noRows(err) {
		return places.Place{}, fmt.Errorf("%w (place %d)", places.ErrNotFound, id)
	}
	if err != nil {
		return places.Place{}, db.errorf("place %d: %w", id, err)
	}
	return p, nil
}

// DeletePlace deletes place id of a person; places.ErrNotFound, also when
// the place is someone else's. A trigger counts it off the account.
func (db *DB) DeletePlace(ctx context.Context, userID, id int64) error {
	w, unlock := db.writing()
	defer unlock()
	res, err := w.ExecContext(ctx, "DELETE FROM places WHERE id = $1 AND user_id = $2", id, userID)
	if err != nil {
		return db.errorf("deleting place %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.errorf("deleting place %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("%w (place %d)", places.ErrNotFound, id)
	}
	return nil
}
