package audit

import "time"

// Query selects entries of the log, newest first.
type Query struct {
	Subject string    // only entries about this subject; "" for all
	Kind    string    // only entries of this kind; "" for all
	From    time.Time // only entries at or after From; zero for no bound
	To      time.Time // only entries before To; zero for no bound
	Before  int64     // only entries with an id below Before (the cursor); 0 for no bound
	Limit   int       // at most Limit entries; MaxLimit when 0 or more
}

// Page sizes of a Query.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Head is the end of the log: the id and hash of its last entry (0 and
// Zero when it is empty). A log that verifies has Head.ID entries.
type Head struct {
	ID   int64
	Hash Hash
}
