// Package places owns the places people save ("where I parked"): a name
// and a position on a level, per person, usable as the end of a route.
// A person keeps at most MaxPerPerson of them.
package places

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
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

// MaxPerPerson is how many places one person may keep: enough for every
// car park, office and lecture hall of a campus life, and a bound on what
// one account can make the store hold.
const MaxPerPerson = 200

// Errors of the service.
var (
	ErrNotFound = errors.New("places: not found")
	ErrInvalid  = errors.New("places: invalid")
	// ErrFull is adding a place to a person who keeps MaxPerPerson.
	ErrFull error = fullError{}
)

type fullError struct{}

func (fullError) Error() string {
	return fmt.Sprintf("places: at most %d saved places; delete one first", MaxPerPerson)
}

// DetailIn says what ErrFull means, in Simplified Chinese for "zh...",
// in English otherwise.
func (e fullError) DetailIn(lang string) string {
	if geo.IsChinese(lang) {
		return fmt.Sprintf("最多保存 %d 个地点；请先删除一个", MaxPerPerson)
	}
	return strings.TrimPrefix(e.Error(), "places: ")
}

// Store keeps saved places. A place belongs to one person: every call is
// scoped to a user id, and another person's place is ErrNotFound.
// services/storetest checks an implementation against this contract.
type Store interface {
	// AddPlace stores a place of p.UserID: ErrInvalid (a *FieldError) if
	// p is not valid, ErrNotFound if there is no such account, ErrFull if
	// the person keeps MaxPerPerson places already. The count and the
	// insert are one atomic step: concurrent adds never pass the cap. A
	// zero p.Created is the present.
	AddPlace(ctx context.Context, p Place) (Place, error)
	// ListPlaces returns a person's places by id: offset skipped, at most
	// limit (at least 1) given.
	ListPlaces(ctx context.Context, userID int64, offset, limit int) ([]Place, error)
	GetPlace(ctx context.Context, userID, id int64) (Place, error)
	DeletePlace(ctx context.Context, userID, id int64) error
}
