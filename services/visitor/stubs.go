package visitor

import (
	"context"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// screen refuses a visit the watchlist matches (step 3).
func (s *Service) screen(ctx context.Context, u auth.User, v Visit, now time.Time) error { return nil }

// submitted are the jobs of a visitor's own visit (step 3).
func (s *Service) submitted(v Visit) []Job { return nil }
