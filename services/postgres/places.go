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
// already. One batch, one round trip and one implicit transaction, locks
// the person's account row, then counts and inserts in a statement of its
// own, which (read committed) sees every place committed before the lock
// was granted: two adds at once take turns, so the cap holds. A zero
// p.Created is the present.
func (d *DB) AddPlace(ctx context.Context, p places.Place) (places.Place, error) {
	if err := p.Validate(); err != nil {
		return places.Place{}, err
	}
	p.Created = stamp(p.Created)
	b := &pgx.Batch{}
	b.Queue("SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE", p.UserID)
	b.Queue(`INSERT INTO places (user_id, name, lon, lat, ordinal, created)
		SELECT $1, $2, $3, $4, $5, $6
		WHERE (SELECT count(*) FROM (SELECT 1 FROM places WHERE user_id = $1 LIMIT $7) mine) < $7
		RETURNING id`,
		p.UserID, p.Name, p.Lon, p.Lat, p.Ordinal, p.Created, places.MaxPerPerson)
	br := d.pool.SendBatch(ctx, b)
	defer br.Close()
	var uid int64
	err := br.QueryRow().Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return places.Place{}, fmt.Errorf("%w (user %d)", places.ErrNotFound, p.UserID)
	}
	if err != nil {
		return places.Place{}, fmt.Errorf("postgres: adding place: %w", err)
	}
	err = br.QueryRow().Scan(&p.ID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return places.Place{}, places.ErrFull
	case isForeignKey(err): // the account was deleted meanwhile
		return places.Place{}, fmt.Errorf("%w (user %d)", places.ErrNotFound, p.UserID)
	case err != nil:
		return places.Place{}, fmt.Errorf("postgres: adding place: %w", err)
	}
	if err := br.Close(); err != nil {
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
	tag, err := d.pool.Exec(ctx, "DELETE FROM places WHERE id = $1 AND user_id = $2", id, userID)
	if err != nil {
		return fmt.Errorf("postgres: deleting place %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w (place %d)", places.ErrNotFound, id)
	}
	return nil
}
