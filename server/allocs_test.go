package server

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/internal/race"
	"github.com/bronco-ws/bronco/ws/frame"
)

// TestEchoAllocs: once warm, an echo round trip over loopback allocates nothing, on the
// server's side and on the client.Conn's (testing.AllocsPerRun counts every goroutine): for
// small messages and for 64 KiB ones (the largest whose buffers a connection keeps,
// keptMessageBuffer), compressed or not, one at a time or several in flight (whose replies
// go out in one write, a larger output than any one of them).
func TestEchoAllocs(t *testing.T) {
	json := bytes.Repeat([]byte(`{"id":12345,"name":"bronco","tags":["a","b"],"ok":true},`), 1<<16/56+1)[:1<<16]
	tests := []struct {
		name     string
		msg      []byte
		inFlight int
		compress bool
	}{
		{"1KiB", make([]byte, 1<<10), 1, false},
		{"64KiB", make([]byte, 1<<16), 1, false},
		{"1KiB/8-in-flight", make([]byte, 1<<10), 8, false},
		{"deflate/1KiB", json[:1<<10], 1, true},
		{"deflate/64KiB", json, 1, true},
		{"deflate/64KiB/4-in-flight", json, 4, true},
	}
	each(t, func(t *testing.T, st setup) {
		if race.Enabled {
			t.Skip("the race detector allocates on its own")
		}
		if st.h2 {
			t.Skip("net/http's HTTP/2 client and server allocate for every DATA frame; " +
				"see BenchmarkH2Echo for the cost over HTTP/2")
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				addr := startHandler(t, st, newHandler(), Options{Compress: tt.compress})
				d, url := dialer(addr, "/")
				d.Compress = tt.compress
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				c, _, err := d.Dial(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				defer c.NetConn().Close()
				c.NetConn().SetDeadline(time.Now().Add(time.Minute))
				roundTrip := func() {
					for range tt.inFlight {
						if err := c.Write(context.Background(), frame.OpText, tt.msg); err != nil {
							t.Fatal(err)
						}
					}
					for range tt.inFlight {
						if _, got, err := c.Read(context.Background()); err != nil || len(got) != len(tt.msg) {
							t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(tt.msg))
						}
					}
				}
				for range 100 {
					roundTrip()
				}
				if allocs := testing.AllocsPerRun(200, roundTrip); allocs > 0.01 {
					t.Errorf("%v allocations per echo of %d × %d bytes (compress %v); want 0",
						allocs, tt.inFlight, len(tt.msg), tt.compress)
				}
			})
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
