package server

import (
	"testing"
	"unsafe"
)

// loopSleeping reports whether an event loop's connection holds no bytes between turns.
func loopSleeping(c *Conn) bool {
	lc, ok := c.drv.(*loopConn)
	return ok && len(lc.carry) == 0
}

// TestLoopConnSize guards what an idle event-loop connection costs: its struct (connection
// state, engine, process and driver fields) fits the 416-byte size class that README.md's
// memory figures rest on. (Over 512 bytes the runtime would also put an 8-byte header
// before it, since it holds pointers.)
func TestLoopConnSize(t *testing.T) {
	if got := unsafe.Sizeof(loopConn{}); got > 416 {
		t.Errorf("loopConn is %d bytes; want at most 416 (one allocation class up costs 32 B per idle connection)", got)
	}
}
