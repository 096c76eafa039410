package natsbus

// Flush waits for the server to have what b published.
func Flush(b *Bus) error { return b.nc.Flush() }

// AppendLocation and DecodeLocation are the codec, for the tests.
var (
	AppendLocation = appendLocation
	DecodeLocation = decodeLocation
	AppendAlert    = appendAlert
	DecodeAlert    = decodeAlert
)
