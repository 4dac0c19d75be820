package server

import (
	"errors"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
)

// sleepingState reports whether c has given its buffers back. It runs in a callback, on the
// connection's own driver, which owns these fields.
func sleepingState(c *Conn) bool {
	if c.blocked() {
		return false
	}
	switch d := c.drv.(type) {
	case *goConn:
		return d.sleeping && d.rbuf == nil
	}
	return loopSleeping(c)
}

func closeCodeOf(err error) frame.CloseCode {
	var ce *client.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}
