package server

import (
	"context"
	"testing"

	"github.com/bronco-ws/bronco/internal/race"
	"github.com/bronco-ws/bronco/ws/frame"
)

// TestEchoAllocs: once warm, an echo round trip over loopback allocates nothing, on the
// server's side and on the client.Conn's (testing.AllocsPerRun counts every goroutine).
func TestEchoAllocs(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		if race.Enabled {
			t.Skip("the race detector allocates on its own")
		}
		if st.h2 {
			t.Skip("net/http's HTTP/2 client and server allocate for every DATA frame; " +
				"see BenchmarkH2Echo for the cost over HTTP/2")
		}
		c := dial(t, startHandler(t, st, newHandler(), Options{}))
		msg := make([]byte, 1024)
		roundTrip := func() {
			if err := c.Write(context.Background(), frame.OpBinary, msg); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Read(context.Background()); err != nil {
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

// TestInfoAllocs: once warm, an info sent with Pid.Send and answered with a reply allocates
// nothing on an event loop (the mailbox and the loop's wake-up lists are reused, not grown
// again), and one object on the goroutine driver: the *net.OpError that the net package
// makes for the read that the wake-up interrupts by moving its deadline. A burst of infos
// shares one wake-up, so that is one per burst, not per info.
func TestInfoAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	each(t, func(t *testing.T, st setup) {
		if st.h2 {
			t.Skip("net/http's HTTP/2 client and server allocate for every DATA frame")
		}
		msg := []byte("tick")
		h := newHandler()
		h.info = func(*Conn, any) Result { return Reply(Text(msg)) }
		pids := make(chan Pid, 1)
		_, addr := start(t, st, func(*Upgrade) (Handler, error) { return &pidReporter{h, pids}, nil }, Options{})
		c := dial(t, addr)
		pid := <-pids
		var info any = &msg // boxed once: the test's own conversion would allocate
		roundTrip := func() {
			if err := pid.Send(info); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Read(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		for range 100 {
			roundTrip()
		}
		want := 0.0
		if st.loops == 0 {
			want = 1
		}
		if allocs := testing.AllocsPerRun(1000, roundTrip); allocs > want+0.01 {
			t.Errorf("%v allocations per info round trip; want %v", allocs, want)
		}
	})
}
