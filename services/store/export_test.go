package store

// SetParts sets how a long audit log is split to verify it (the fewest
// entries a part, the most parts), and returns what puts them back.
func SetParts(size int64, most int) func() {
	s, m := partSize, maxParts
	partSize, maxParts = size, most
	return func() { partSize, maxParts = s, m }
}
