package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// waitStats waits until the server's counters satisfy ok, and fails with the last ones
// otherwise: connections end on their own goroutine after the client sees them close.
func waitStats(t *testing.T, s *Server, ok func(Stats) bool) Stats {
	t.Helper()
	// Generous: under -race on a loaded machine, compressing the flood of
	// TestBackpressureDrop alone took more than 5 s.
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := s.Stats()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("server counters stuck at %+v", st)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestMaxConnections: beyond Options.MaxConnections an upgrade is refused with 503 and
// Retry-After, counted in Stats.RefusedBusy; a connection that ends makes room again.
func TestMaxConnections(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		s, addr := start(t, st, func(*Upgrade) (Handler, error) { return &funcHandler{}, nil }, Options{MaxConnections: 2})
		first := dial(t, addr)
		dial(t, addr)
		d, url := dialer(addr, "/")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, res, err := d.Dial(ctx, url)
		var he *handshake.Error
		if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable {
			t.Fatalf("third Dial: %v; want a 503 refusal", err)
		}
		if res == nil || res.Header.Get("Retry-After") != "1" {
			t.Errorf("refusal without Retry-After: %+v", res)
		}
		if diff := cmp.Diff(Stats{Connections: 2, RefusedBusy: 1}, s.Stats()); diff != "" {
			t.Errorf("counters (-want +got):\n%s", diff)
		}
		if _, err := first.Close(frame.CloseNormal, ""); err != nil {
			t.Fatal(err)
		}
		waitStats(t, s, func(s Stats) bool { return s.Connections == 1 })
		dial(t, addr) // room again
	})
}

// TestBackpressure: a client that sends a message and never reads the 16 MiB it is answered
// with is closed by BackpressureClose once more than MaxBackpressure bytes wait (where the
// driver can see that: TCP sockets), and by the write timeout under BackpressureWait; either
// way nothing stays buffered.
func TestBackpressure(t *testing.T) {
	big := make([]byte, 1<<20)
	flood := func(*Conn, Frame) Result {
		frames := make([]Frame, 16)
		for i := range frames {
			frames[i] = Binary(big)
		}
		return Reply(frames[0], frames[1:]...)
	}
	tests := []struct {
		name      string
		opts      Options
		wantClose bool // closed for backpressure (else: by the write timeout)
	}{
		{"close beyond 256 KiB", Options{OnBackpressure: BackpressureClose, MaxBackpressure: 256 << 10}, true},
		{"wait, with a write timeout", Options{WriteTimeout: 300 * time.Millisecond}, false},
	}
	each(t, func(t *testing.T, st setup) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := newHandler()
				h.handle = flood
				opts := tt.opts
				if opts.WriteTimeout == 0 {
					opts.WriteTimeout = 2 * time.Second // bounds an HTTP/2 stream, which waits instead
				}
				s, addr := start(t, st, func(*Upgrade) (Handler, error) { return h, nil }, opts)
				c := dial(t, addr)
				if err := c.Write(context.Background(), frame.OpBinary, []byte("go")); err != nil {
					t.Fatal(err)
				}
				wantClose := tt.wantClose && !st.h2 // an HTTP/2 stream cannot be probed
				r := reasonOf(t, h)
				re, ok := r.(ReasonError)
				switch {
				case !ok:
					t.Fatalf("terminate reason %v; want ReasonError", r)
				case wantClose && !errors.Is(re.Err, ErrBackpressure):
					t.Errorf("terminate reason %v; want ErrBackpressure", r)
				case wantClose && frame.CloseCodeOf(re.Err) != frame.ClosePolicyViolation:
					t.Errorf("ErrBackpressure's code is %v; want 1008", frame.CloseCodeOf(re.Err))
				case !wantClose && !errors.Is(re.Err, os.ErrDeadlineExceeded):
					t.Errorf("terminate reason %v; want the write deadline", r)
				}
				var want uint64
				if wantClose {
					want = 1
				}
				got := waitStats(t, s, func(s Stats) bool { return s.Connections == 0 })
				if diff := cmp.Diff(Stats{ClosedBackpressure: want}, got); diff != "" {
					t.Errorf("counters (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestMemoryBudget: four clients each send the first half of a 3 MiB message while the
// server's MemoryBudget is 1 MiB. The server lets one of them (the exempt) read on and makes
// the three others wait once the total is over the budget, instead of holding the four
// halves (8 MiB of buffers without a budget); when the rest arrives, every message completes
// and is echoed whole, and the memory is given back.
func TestMemoryBudget(t *testing.T) {
	const size, clients = 3 << 20, 4
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	msg := maskedFrame(payload, false)
	each(t, func(t *testing.T, st setup) {
		if st.h2 {
			t.Skip("the raw client below speaks HTTP/1.1; an RFC 8441 stream runs the same goroutine driver")
		}
		s, addr := start(t, st, func(*Upgrade) (Handler, error) { return &funcHandler{}, nil },
			Options{MemoryBudget: 1 << 20, MaxMessageSize: size, MaxFrameSize: size})
		var cs [clients]*rawClient
		for i := range cs {
			cs[i] = newRawClient(t, addr, false)
			cs[i].nc.SetDeadline(time.Now().Add(30 * time.Second))
			if _, err := cs[i].nc.Write(msg[:len(msg)/2]); err != nil {
				t.Fatal(err)
			}
		}
		got := waitStats(t, s, func(s Stats) bool { return s.Waiting == clients-1 })
		t.Logf("%d clients waiting with %d bytes of message memory", got.Waiting, got.MessageMemory)
		// The budget lets each connection take one more growth step (a doubling) before it
		// waits, and the exempt one holds its 1.5 MiB in a 2 MiB buffer: at most about
		// 2 × 1 MiB + 2 MiB, against 4 × 2 MiB without a budget.
		if got.MessageMemory > 5<<20 {
			t.Errorf("%d bytes of message memory with %d clients waiting; want at most 5 MiB", got.MessageMemory, got.Waiting)
		}
		errs := make(chan error, clients)
		for _, c := range cs {
			go func() {
				if _, err := c.nc.Write(msg[len(msg)/2:]); err != nil {
					errs <- err
					return
				}
				errs <- c.readMessage(payload)
			}()
		}
		for range clients {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		waitStats(t, s, func(s Stats) bool { return s.Waiting == 0 && s.MessageMemory <= clients*keptMessageBuffer })
	})
}

// TestBackpressureDrop: under BackpressureDrop a client that does not read is left out of
// what it cannot take instead of being waited for. 64 broadcast lines of 256 KiB (16 MiB,
// more than loopback's socket buffers hold) go to a client that reads nothing, the second
// half once its output is blocked, and the info sent after them is handled at once, with at most the bound and one line queued. When the
// client reads, it gets whole lines in order, and the lines it got and the frames dropped
// add up to the lines sent. With permessage-deflate and context takeover, a dropped line
// never enters the compression window: the client inflates every line it gets. An HTTP/2
// stream cannot be probed, so it waits instead: the info waits for the client, and every
// line (16 of them there) arrives.
func TestBackpressureDrop(t *testing.T) {
	const lines, size, bound = 64, 256 << 10, 512 << 10
	line := func(i int) []byte { // incompressible, so that compression does not hide the flood
		b := make([]byte, size)
		b[0] = byte(i)
		x := uint32(i)*2654435761 + 1
		for j := 1; j < size; j++ {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			b[j] = byte(x)
		}
		return b
	}
	prepared := make([]*Prepared, lines)
	for i := range prepared {
		prepared[i] = Prepare(frame.OpBinary, line(i))
	}
	each(t, func(t *testing.T, st setup) {
		for _, compress := range []bool{false, true} {
			t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
				pids := make(chan Pid, 1)
				marked := make(chan struct{}, 1)
				h := &funcHandler{
					init: func(c *Conn) Result {
						pids <- c.Self()
						return OK()
					},
					info: func(_ *Conn, info any) Result {
						if p, ok := info.(*Prepared); ok {
							return Reply(p.Frame())
						}
						marked <- struct{}{}
						return OK()
					},
					handle: func(*Conn, Frame) Result { return Reply(Text([]byte("last"))) },
				}
				s, addr := start(t, st, func(*Upgrade) (Handler, error) { return h, nil }, Options{
					OnBackpressure: BackpressureDrop, MaxBackpressure: bound,
					WriteTimeout: 20 * time.Second, Compress: compress})
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				d, url := dialer(addr, "/")
				d.Compress = compress
				c, res, err := d.Dial(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				defer c.NetConn().Close()
				if agreed := len(res.Extensions) > 0; agreed != compress {
					t.Fatalf("permessage-deflate agreed: %v; want %v", agreed, compress)
				}
				var pid Pid
				select {
				case pid = <-pids:
				case <-time.After(5 * time.Second):
					t.Fatal("websocket_init was not called")
				}
				probed := !st.h2
				sent := prepared
				if !probed {
					sent = prepared[:16] // it waits: nothing to drop, and compressing more under -race is slow
				}
				for i, p := range sent {
					if i == lines/2 && probed {
						// The rest comes once the output is blocked: infos are still taken.
						waitStats(t, s, func(s Stats) bool { return s.DroppedFrames > 0 })
					}
					if err := pid.Send(p); err != nil {
						t.Fatal(err)
					}
				}
				if err := pid.Send("mark"); err != nil {
					t.Fatal(err)
				}
				if probed {
					select {
					case <-marked:
					case <-time.After(10 * time.Second):
						t.Fatal("the info after the lines waited for a client that does not read")
					}
					if got := s.Stats(); got.DroppedFrames == 0 || got.Buffered > bound+size+14 {
						t.Errorf("%d frames dropped, %d bytes queued; want some dropped and at most %d queued",
							got.DroppedFrames, got.Buffered, bound+size+14)
					}
				}
				if err := c.Write(ctx, frame.OpText, []byte("anything left?")); err != nil {
					t.Fatal(err)
				}
				var got []int
				for {
					op, m, err := c.Read(ctx)
					if err != nil {
						t.Fatalf("after %d lines: %v", len(got), err)
					}
					if op == frame.OpText && string(m) == "last" {
						break
					}
					if len(m) != size || !bytes.Equal(m, line(int(m[0]))) {
						t.Fatalf("line %d is not whole: %d bytes", len(got), len(m))
					}
					got = append(got, int(m[0]))
				}
				stats := s.Stats()
				for i := 1; i < len(got); i++ {
					if got[i] <= got[i-1] {
						t.Errorf("line %d after line %d: out of order or twice", got[i], got[i-1])
					}
				}
				type sum struct{ First, Total, DroppedInfos int }
				want, gotSum := sum{0, len(sent), 0}, sum{-1, len(got) + int(stats.DroppedFrames), int(stats.DroppedInfos)}
				if len(got) > 0 {
					gotSum.First = got[0]
				}
				if diff := cmp.Diff(want, gotSum); diff != "" {
					t.Errorf("lines received + dropped (-want +got):\n%s", diff)
				}
				if !probed && stats.DroppedFrames != 0 {
					t.Errorf("%d frames dropped on a stream that waits", stats.DroppedFrames)
				}
				t.Logf("%d lines received, %d dropped", len(got), stats.DroppedFrames)
			})
		}
	})
}
