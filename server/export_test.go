package server

import (
	"errors"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

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
