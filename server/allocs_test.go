package server

import (
	"testing"

	"github.com/bronco-ws/bronco/internal/race"
	"github.com/bronco-ws/bronco/ws/frame"
)

// TestEchoAllocs: once warm, an echo round trip over loopback allocates nothing, on the
// server's side and on the ws.Conn client's (testing.AllocsPerRun counts every goroutine).
func TestEchoAllocs(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		if race.Enabled {
			t.Skip("the race detector allocates on its own")
		}
		c := dial(t, startHandler(t, st, newHandler(), Options{}))
		msg := make([]byte, 1024)
		roundTrip := func() {
			if err := c.WriteMessage(frame.OpBinary, msg); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.ReadMessage(); err != nil {
				t.Fatal(err)
			}
		}
		for range 100 {
			roundTrip()
		}
		if allocs := testing.AllocsPerRun(1000, roundTrip); allocs > 0.01 {
			t.Errorf("%v allocations per echo round trip; want 0", allocs)
		}
	})
}
