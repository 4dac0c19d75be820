package server

import (
	"errors"
	"flag"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// testLoops runs the package's tests with Options.EventLoops set, so that every behaviour
// is checked for both drivers: go test ./server -args -loops=1.
var testLoops = flag.Int("loops", 0, "run the server tests with this many event loops")

// withLoops returns opts with the -loops flag applied.
func withLoops(opts Options) Options {
	if opts.EventLoops == 0 {
		opts.EventLoops = *testLoops
	}
	return opts
}

// sleepingState reports whether c has given its buffers back. It reads fields owned by the
// connection's goroutine; the tests call it only while that goroutine is blocked reading.
func sleepingState(c *Conn) bool {
	return c.sleeping && c.rbuf == nil && c.wbuf == nil
}

func closeCodeOf(err error) frame.CloseCode {
	var ce *ws.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}
