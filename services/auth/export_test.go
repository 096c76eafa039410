package auth

// Internals the external tests reach.

// MaxKeys is maxKeys, the cap of each kind of sign-in state.
const MaxKeys = maxKeys

// SetMaxKeys caps each kind of sign-in state s keeps at n rows.
func SetMaxKeys(s *Service, n int) { s.setMaxKeys(n) }
