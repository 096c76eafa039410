package jobs

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river"
)

// Workers are the kinds of job a queue knows, each with its worker.
type Workers struct {
	river *river.Workers
	kinds map[string]decoder
}

// decoder makes a kind's arguments from a value of them, or from anything
// whose JSON reads as them.
type decoder func(args any) (river.JobArgs, error)

// NewWorkers is an empty set of workers.
func NewWorkers() *Workers {
	return &Workers{river: river.NewWorkers(), kinds: map[string]decoder{}}
}

// Add registers worker for the jobs of kind T.Kind(). A kind is
// registered once.
func Add[T river.JobArgs](w *Workers, worker river.Worker[T]) error {
	if err := river.AddWorkerSafely(w.river, worker); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	var zero T
	w.kinds[zero.Kind()] = func(args any) (river.JobArgs, error) {
		if a, ok := args.(T); ok {
			return a, nil
		}
		b, err := json.Marshal(args)
		if err != nil {
			return nil, err
		}
		var a T
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			return nil, fmt.Errorf("arguments %T do not read as %T: %w", args, a, err)
		}
		return a, nil
	}
	return nil
}
