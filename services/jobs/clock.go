package jobs

import "time"

// clock is Options.Clock as River's time generator
// (rivertype.TimeGenerator): River's statements then use its time, not
// the database's.
type clock struct{ now func() time.Time }

func (c clock) Now() time.Time { return c.now() }

func (c clock) NowOrNil() *time.Time {
	t := c.now()
	return &t
}
