package main

// readersSimulate replays a day of campus life against a server.
func (e *env) readersSimulate(args []string) error {
	return usagef("readers simulate: not built yet")
}
