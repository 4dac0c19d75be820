package server

import (
	"net/netip"
	"sync"
	"testing"
	"unsafe"

	"github.com/bronco-ws/bronco/internal/epoll"
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

// failLoopAccepts makes the event loops' accepts fail with errs, one per call, before they
// accept for real, until the test ends.
func failLoopAccepts(t *testing.T, errs []error) {
	var mu sync.Mutex
	t.Cleanup(func() { acceptConn = epoll.Accept })
	acceptConn = func(lfd int) (int, netip.AddrPort, error) {
		mu.Lock()
		defer mu.Unlock()
		if len(errs) > 0 {
			err := errs[0]
			errs = errs[1:]
			return -1, netip.AddrPort{}, err
		}
		return epoll.Accept(lfd)
	}
}
