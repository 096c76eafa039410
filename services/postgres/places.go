package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/campusnav/engine/services/places"
)

// placeColumns are the columns scanPlace reads, in order.
const placeColumns = "id, user_id, name, lon, lat, ordinal, created"

func scanPlace(row pgx.Row) (places.Place, error) {
	var p places.Place
	var ordinal int32
	if err := row.Scan(&p.ID, &p.UserID, &p.Name, &p.Lon, &p.Lat, &ordinal, &p.Created); err != nil {
		return places.Place{}, err
	}
	p.Ordinal = int(ordinal)
	p.Created = p.Created.UTC()
	return p, nil
}

// AddPlace stores a place of p.UserID: places.ErrInvalid (a
// *places.FieldError) if p is not valid, places.ErrNotFound if there is no
// such account, places.ErrFull if the person keeps places.MaxPerPerson
// already. One statement raises the account's count of places where it is
// under the cap, which locks the account's row until the insert commits
// (two adds at once take turns, so the cap holds), and inserts the place
// only if it did; the count of places is kept on the account (migration
// 4), so no add counts rows. A zero p.Created is the present.
func (d *DB) AddPlace(ctx context.Context, p places.Place) (places.Place, error) {
	if err := p.Validate(); err != nil {
		return places.Place{}, err
	}
	p.Created = stamp(p.Created)
	err := d.pool.QueryRow(ctx, `WITH mine AS (
			UPDATE users SET places_count = places_count + 1 WHERE id = $1 AND places_count < $7 RETURNING id)
		INSERT INTO places (user_id, name, lon, lat, ordinal, created)
		SELECT id, $2, $3, $4, $5, $6 FROM mine
		RETURNING id`,
		p.UserID, p.Name, p.Lon, p.Lat, p.Ordinal, p.Created, places.MaxPerPerson).Scan(&p.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		// Full, or no such account: the rare case asks which.
		var exists bool
		if err := d.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)", p.UserID).Scan(&exists); err != nil {
			return places.Place{}, fmt.Errorf("postgres: adding place: %w", err)
		}
		if !exists {
			return places.Place{}, fmt.Errorf("%w (user %d)", places.ErrNotFound, p.UserID)
		}
		return places.Place{}, places.ErrFull
	}
	if err != nil {
		return places.Place{}, fmt.Errorf("postgres: adding place: %w", err)
	}
	return p, nil
}

// ListPlaces returns the places of a person, by id: offset skipped, at
// most limit given.
func (d *DB) ListPlaces(ctx context.Context, userID int64, offset, limit int) ([]places.Place, error) {
	rows, err := d.pool.Query(ctx, "SELECT "+placeColumns+" FROM places WHERE user_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
		userID, max(limit, 0), max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("postgres: listing places: %w", err)
	}
	defer rows.Close()
	ps := []places.Place{}
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing places: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: listing places: %w", err)
	}
	return ps, nil
}

// GetPlace returns place id of a person; places.ErrNotFound, also when the
// place is someone else's.
func (d *DB) GetPlace(ctx context.Context, userID, id int64) (places.Place, error) {
	p, err := scanPlace(d.pool.QueryRow(ctx,
		"SELECT "+placeColumns+" FROM places WHERE id = $1 AND user_id = $2", id, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return places.Place{}, fmt.Errorf("%w (place %d)", places.ErrNotFound, id)
	}
	if err != nil {
		return places.Place{}, fmt.Errorf("postgres: place %d: %w", id, err)
	}
	return p, nil
}

// DeletePlace deletes place id of a person; places.ErrNotFound, also when
// the place is someone else's.
func (d *DB) DeletePlace(ctx context.Context, userID, id int64) error {
	tag, err := d.pool.Exec(ctx, `WITH gone AS (DELETE FROM places WHERE id = $1 AND user_id = $2 RETURNING user_id)
		UPDATE users SET places_count = places_count - 1 WHERE id IN (SELECT user_id FROM gone)`, id, userID)
	if err != nil {
		return fmt.Errorf("postgres: deleting place %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w (place %d)", places.ErrNotFound, id)
	}
	return nil
}
