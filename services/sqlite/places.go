package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/campusnav/engine/services/places"
)

// placeColumns are the columns scanPlace reads, in order.
const placeColumns = "id, user_id, name, lon, lat, ordinal, created"

func scanPlace(row interface{ Scan(...any) error }) (places.Place, error) {
	var p places.Place
	var created int64
	if err := row.Scan(&p.ID, &p.UserID, &p.Name, &p.Lon, &p.Lat, &p.Ordinal, &created); err != nil {
		return places.Place{}, err
	}
	p.Created = fromMicros(created)
	return p, nil
}

// AddPlace stores a place of p.UserID: places.ErrInvalid (a
// *places.FieldError) if p is not valid, places.ErrNotFound if there is no
// such account, places.ErrFull if the person keeps places.MaxPerPerson
// already. One statement counts and inserts, and SQLite runs a writing
// statement under the database's write lock from its start, so the count
// holds until the insert. A zero p.Created is the present.
func (d *DB) AddPlace(ctx context.Context, p places.Place) (places.Place, error) {
	if err := p.Validate(); err != nil {
		return places.Place{}, err
	}
	unlock := d.writing()
	defer unlock()
	p.Created = stamp(p.Created)
	res, err := d.db.ExecContext(ctx,
		`INSERT INTO places (user_id, name, lon, lat, ordinal, created)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6
		WHERE (SELECT count(*) FROM (SELECT 1 FROM places WHERE user_id = ?1 LIMIT ?7)) < ?7`,
		p.UserID, p.Name, p.Lon, p.Lat, p.Ordinal, micros(p.Created), places.MaxPerPerson)
	if isForeignKey(err) {
		return places.Place{}, fmt.Errorf("%w (user %d)", places.ErrNotFound, p.UserID)
	}
	if err != nil {
		return places.Place{}, fmt.Errorf("sqlite: adding place: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return places.Place{}, fmt.Errorf("sqlite: adding place: %w", err)
	}
	if n == 0 {
		return places.Place{}, places.ErrFull
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return places.Place{}, fmt.Errorf("sqlite: adding place: %w", err)
	}
	return p, nil
}

// ListPlaces returns the places of a person, by id: offset skipped, at
// most limit given.
func (d *DB) ListPlaces(ctx context.Context, userID int64, offset, limit int) ([]places.Place, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT "+placeColumns+" FROM places WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?",
		userID, max(limit, 0), max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing places: %w", err)
	}
	defer rows.Close()
	ps := []places.Place{}
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing places: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing places: %w", err)
	}
	return ps, nil
}

// GetPlace returns place id of a person; places.ErrNotFound, also when the
// place is someone else's.
func (d *DB) GetPlace(ctx context.Context, userID, id int64) (places.Place, error) {
	p, err := scanPlace(d.db.QueryRowContext(ctx,
		"SELECT "+placeColumns+" FROM places WHERE id = ? AND user_id = ?", id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return places.Place{}, fmt.Errorf("%w (place %d)", places.ErrNotFound, id)
	}
	if err != nil {
		return places.Place{}, fmt.Errorf("sqlite: place %d: %w", id, err)
	}
	return p, nil
}

// DeletePlace deletes place id of a person; places.ErrNotFound, also when
// the place is someone else's.
func (d *DB) DeletePlace(ctx context.Context, userID, id int64) error {
	unlock := d.writing()
	defer unlock()
	res, err := d.db.ExecContext(ctx, "DELETE FROM places WHERE id = ? AND user_id = ?", id, userID)
	if err != nil {
		return fmt.Errorf("sqlite: deleting place %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: deleting place %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("%w (place %d)", places.ErrNotFound, id)
	}
	return nil
}
