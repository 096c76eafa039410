// Package places owns the places people save ("where I parked"): a name
// and a position on a level, per person, usable as the end of a route.
package places

import (
	"context"
	"errors"
	"time"
)

// Place is a saved place.
type Place struct {
	ID      int64     `json:"id"`
	UserID  int64     `json:"-"`
	Name    string    `json:"name"`
	Lon     float64   `json:"lon"`
	Lat     float64   `json:"lat"`
	Ordinal int       `json:"ordinal"`
	Created time.Time `json:"created"`
}

// Errors of the service.
var (
	ErrNotFound = errors.New("places: not found")
	ErrInvalid  = errors.New("places: invalid")
)

// Store keeps saved places. A place belongs to one person: every call is
// scoped to a user id, and another person's place is ErrNotFound.
type Store interface {
	AddPlace(ctx context.Context, p Place) (Place, error)
	ListPlaces(ctx context.Context, userID int64) ([]Place, error)
	GetPlace(ctx context.Context, userID, id int64) (Place, error)
	DeletePlace(ctx context.Context, userID, id int64) error
}
