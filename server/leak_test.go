package server

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
)

// TestManyConnectionsNoLeak opens 5 000 connections at once (10 000 descriptors with both
// ends in this process, under the 20 000 per-process cap of our machines), closes them, and
// checks that every server goroutine is gone and every terminate ran.
func TestManyConnectionsNoLeak(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		if testing.Short() {
			t.Skip("opens 5 000 connections")
		}
		const n = 5000
		terminated := make(chan Reason, n)
		addr := startHandler(t, st, &funcHandler{terminate: terminated}, Options{})
		serving := runtime.NumGoroutine()
		var clients []*client.Conn
		for i := range n {
			c := dial(t, addr)
			if i%1000 == 0 {
				c.Write(context.Background(), frame.OpText, []byte("ping"))
				if got := readText(t, c); got != "ping" {
					t.Fatalf("connection %d echoed %q", i, got)
				}
			}
			clients = append(clients, c)
		}
		perConn, shared := n, 0
		switch {
		case st.h2:
			// net/http's handler goroutine waits for the stream's end beside the
			// connection's own; a stream reader each side, net/http's client stream.
			// And three for each HTTP/2 connection the streams share, which stay open.
			perConn, shared = 5*n, 3*(n/streamsPerConn+1)
		case st.loops > 0:
			perConn = 0 // the loops, started with the first connection, are all there is
		}
		if got := runtime.NumGoroutine() - serving; got > perConn+shared+10 {
			t.Errorf("%d goroutines for %d connections; want at most %d", got, n, perConn+shared+10)
		}
		for _, c := range clients {
			// Generous: on a loaded machine (CI beside other suites) the server's close
			// reply to 5 000 closes can take longer than the default 5 s, and a client
			// that gives up resets its stream, which the test would take for a leak.
			c.CloseTimeout = time.Minute
			c.Close(frame.CloseNormal, "")
		}
		for range n {
			if r := <-terminated; !isRemote(r) {
				t.Fatalf("a connection ended for another reason than the client's close: %v", r)
			}
		}
		waitGoroutines(t, serving+st.loops+shared)
	})
}

func isRemote(r Reason) bool {
	_, ok := r.(ReasonRemote)
	return ok
}
