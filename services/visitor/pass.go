package visitor

import (
	"context"

	"github.com/campusnav/engine/services/card"
)

// Passes signs visitor passes with the server's card-code keys (the
// access service is one).
type Passes interface {
	SignPass(ctx context.Context, p card.Pass) (string, error)
}
