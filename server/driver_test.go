package server

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// TestSlowReaderWriteTimeout: a client that stops reading while the handler keeps sending
// ends with ReasonError(os.ErrDeadlineExceeded) after Options.WriteTimeout, and the server
// does not queue without bound meanwhile (the mailbox waits while a write is blocked).
func TestSlowReaderWriteTimeout(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		big := make([]byte, 1<<20)
		sent := 0
		h := newHandler()
		h.init = func(c *Conn) Result {
			c.Self().Send("more")
			return OK()
		}
		h.info = func(c *Conn, info any) Result {
			if sent++; sent < 256 {
				c.Self().Send("more")
			}
			return Reply(Binary(big))
		}
		c := dial(t, startHandler(t, st, h, Options{WriteTimeout: 300 * time.Millisecond}))
		_ = c // never read
		r := reasonOf(t, h)
		re, ok := r.(ReasonError)
		if !ok || !errors.Is(re.Err, os.ErrDeadlineExceeded) {
			t.Fatalf("terminate reason %#v; want ReasonError wrapping os.ErrDeadlineExceeded", r)
		}
		if sent >= 256 {
			t.Errorf("the handler sent all %d MiB to a client that reads nothing", sent)
		}
	})
}

// wrappedListener hides the *net.TCPConn behind another type, as TLS or a middleware would.
type wrappedListener struct{ net.Listener }

type wrappedConn struct{ net.Conn }

func (l wrappedListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wrappedConn{nc}, nil
}

// TestEventLoopsFallBack: a connection an event loop cannot poll still works, on a goroutine
// of its own.
func TestEventLoopsFallBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler()
	s := New(func(*Upgrade) (Handler, error) { return h, nil }, Options{EventLoops: 1})
	go s.Serve(wrappedListener{l})
	t.Cleanup(func() { s.Shutdown(t.Context()) })
	c := dial(t, l.Addr().String())
	c.Write(context.Background(), frame.OpText, []byte("wrapped"))
	if got := readText(t, c); got != "wrapped" {
		t.Errorf("echo %q; want %q", got, "wrapped")
	}
	s.mu.Lock()
	loops := len(s.loops)
	s.mu.Unlock()
	if loops != 0 {
		t.Errorf("%d event loops started for a connection none can poll", loops)
	}
}

// TestLargeAndSmallInOrder: large frames (read straight into the message buffer, replies
// sent with writev) and small ones (batched through the buffers), sent in one burst, come
// back whole and in order (RFC 6455 §5.4: fragments and messages keep their order).
func TestLargeAndSmallInOrder(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		c := dial(t, startHandler(t, st, newHandler(), Options{}))
		var want []string
		var burst []byte
		for i, size := range []int{100 << 10, 10, 70 << 10, 1, 40 << 10, 33 << 10} {
			msg := strings.Repeat(string(rune('a'+i)), size)
			want = append(want, msg)
			key := [4]byte{1, 2, 3, byte(i)}
			p := []byte(msg)
			frame.Mask(key, 0, p)
			burst = frame.AppendHeader(burst, frame.Header{Fin: true, Opcode: frame.OpBinary, Masked: true, Mask: key, Length: int64(size)})
			burst = append(burst, p...)
		}
		if _, err := c.NetConn().Write(burst); err != nil {
			t.Fatal(err)
		}
		var got []string
		for range want {
			got = append(got, readText(t, c))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("echoes (-want +got):\n%s", diff)
		}
	})
}

// TestDynamicBuffer: the goroutine driver's read buffer follows the traffic as Cowboy's
// dynamic_buffer does: a read that fills it doubles it up to ReadBufferSize, reads that use
// under an eighth of it on average halve it down to 1 KiB, and reads between keep it.
func TestDynamicBuffer(t *testing.T) {
	const max = 16 << 10
	repeat := func(n, times int) []int {
		r := make([]int, times)
		for i := range r {
			r[i] = n
		}
		return r
	}
	tests := []struct {
		name  string
		start int
		reads []int // bytes each read returned; -1 fills the buffer
		want  int   // the size after the reads
	}{
		{"full reads grow it to the cap", 1 << 10, repeat(-1, 10), max},
		{"small reads keep the floor", 1 << 10, repeat(100, 50), 1 << 10},
		{"a quiet spell brings it back to the floor", max, repeat(10, 64), 1 << 10},
		{"steady reads of a quarter keep it", max, repeat(max/4, 64), max},
		{"steady reads of an eighth keep it", 8 << 10, repeat(1<<10, 64), 8 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &goConn{size: tt.start, avg: tt.start / 2}
			g.opts = &Options{ReadBufferSize: max}
			for _, n := range tt.reads {
				if n < 0 {
					n = g.size
				}
				g.resize(n, g.size)
				if g.size < minReadBuffer || g.size > max {
					t.Fatalf("size %d outside [%d, %d]", g.size, minReadBuffer, max)
				}
			}
			if g.size != tt.want {
				t.Errorf("size %d after the reads; want %d", g.size, tt.want)
			}
		})
	}
}
