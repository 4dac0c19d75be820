package server

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/internal/xconnect"
)

// TestMain fails the package's tests if any goroutine of this package outlives them: every
// test shuts its server down, so a connection goroutine, an event loop or a handshake left
// running is a leak.
//
// It also turns on RFC 8441 in net/http's HTTP/2 server, for the h2 setup: net/http reads
// GODEBUG=http2xconnect=1 from the environment once, when the process starts, so the test
// binary runs itself again with it when it lacks it.
func TestMain(m *testing.M) {
	if !xconnect.Enabled() {
		os.Exit(xconnect.Rerun())
	}
	code := m.Run()
	if code == 0 {
		if leaked := waitForLeaks(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked by package server:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// waitForLeaks returns the stacks of this package's goroutines still running after d.
func waitForLeaks(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		leaked := serverGoroutines()
		if leaked == "" || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func serverGoroutines() string {
	buf := make([]byte, 8<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var leaked []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "bronco/server.") && !strings.Contains(g, "server.TestMain") && !strings.Contains(g, "server.serverGoroutines") {
			leaked = append(leaked, g)
		}
	}
	return strings.Join(leaked, "\n\n")
}
