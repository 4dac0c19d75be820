package server

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// The process is tested here without sockets or clocks: fed bytes and times, it must answer
// with the right bytes, deadlines and reasons. The drivers' tests check the same rules over
// real sockets.

// fakeDriver is a driver that counts wake-ups, and whose socket takes nothing when drained.
type fakeDriver struct {
	wakes, drains int
	c             *Conn
}

func (d *fakeDriver) drain() {
	d.drains++
	d.c.wrote(0)
}
func (d *fakeDriver) wake()                { d.wakes++ }
func (d *fakeDriver) abort()               {}
func (d *fakeDriver) remoteAddr() net.Addr { return nil }

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// newProcess returns a started process for h with opts, its 101 response already written.
func newProcess(t *testing.T, h Handler, opts Options) *Conn {
	t.Helper()
	s := New(nil, opts)
	o := s.opts.Load()
	o.Logger = slog.New(slog.DiscardHandler)
	req, err := handshake.ReadRequest(bufio.NewReader(strings.NewReader(upgradeRequest())), handshake.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDriver{}
	c := &Conn{drv: d}
	d.c = c
	if _, err := s.setup(c, o, &Upgrade{Request: req, Header: map[string][]string{}, IdleTimeout: o.IdleTimeout}, h); err != nil {
		t.Fatal("setup refused")
	}
	c.begin(t0)
	return c
}

// written takes the process's output as server frames.
func written(t *testing.T, c *Conn) []ws.Event {
	t.Helper()
	head, tail := c.output()
	b := append(append([]byte(nil), head...), tail...)
	c.wrote(len(b))
	e := ws.NewEngine(ws.Config{Role: frame.RoleClient})
	var evs []ws.Event
	for len(b) > 0 {
		ev, n, err := e.Parse(b)
		if err != nil {
			t.Fatalf("server wrote an invalid frame: %v", err)
		}
		b = b[n:]
		if ev.Kind == ws.EventNone {
			t.Fatalf("server wrote a partial frame: % x", b)
		}
		ev.Data = clone(ev.Data)
		evs = append(evs, ev)
	}
	return evs
}

func closeEvent(code frame.CloseCode) ws.Event {
	return ws.Event{Kind: ws.EventClose, Code: code}
}

// TestProcessDeadlines walks the process through time: Cowboy's idle_timeout counts from the
// last bytes received, also while the connection is inactive (cowboy_websocket: the timer
// runs whatever {active, false}); set_options restarts the count; the close handshake waits
// CloseTimeout for the client's close (RFC 6455 §7.1.1 lets the server close TCP then).
func TestProcessDeadlines(t *testing.T) {
	const idle = 10 * time.Second
	type step struct {
		at    time.Duration // since t0
		input []byte        // client bytes, or nil for a tick
	}
	tests := []struct {
		name       string
		handle     func(c *Conn, f Frame) Result
		steps      []step
		wantEvents []ws.Event
		wantDone   bool
		wantReason Reason
		wantNext   time.Duration // the deadline the process asks for after the steps
	}{
		{
			name:     "idle: nothing before the timeout",
			steps:    []step{{at: idle - time.Millisecond}},
			wantNext: idle,
		},
		{
			name:       "idle: close 1000 at the timeout, then wait for the client's close",
			steps:      []step{{at: idle}},
			wantEvents: []ws.Event{closeEvent(frame.CloseNormal)},
			wantReason: ReasonTimeout{},
			wantNext:   idle + DefaultCloseTimeout,
		},
		{
			name:     "idle: bytes restart the count",
			steps:    []step{{at: 4 * time.Second, input: clientFrame(frame.OpPong, nil)}, {at: idle}},
			wantNext: 4*time.Second + idle,
		},
		{
			name: "idle: runs while inactive, and the held frame is never handled",
			handle: func(c *Conn, f Frame) Result {
				c.SetActive(false)
				return Reply(Text([]byte("paused")))
			},
			steps: []step{
				{at: time.Second, input: append(clientFrame(frame.OpText, []byte("pause")), clientFrame(frame.OpText, []byte("held"))...)},
				{at: time.Second + idle},
			},
			wantEvents: []ws.Event{{Kind: ws.EventMessage, Opcode: frame.OpText, Data: []byte("paused")}, closeEvent(frame.CloseNormal)},
			wantReason: ReasonTimeout{},
			wantNext:   time.Second + idle + DefaultCloseTimeout,
		},
		{
			name: "set_options idle_timeout restarts the count from the event",
			handle: func(c *Conn, f Frame) Result {
				c.SetIdleTimeout(3 * time.Second)
				return OK()
			},
			steps:    []step{{at: 5 * time.Second, input: clientFrame(frame.OpText, []byte("x"))}, {at: 7 * time.Second}},
			wantNext: 8 * time.Second,
		},
		{
			name: "set_options idle_timeout 0 turns it off",
			handle: func(c *Conn, f Frame) Result {
				c.SetIdleTimeout(0)
				return OK()
			},
			steps: []step{{at: time.Second, input: clientFrame(frame.OpText, []byte("x"))}, {at: time.Hour}},
		},
		{
			name:       "close handshake: the client's close ends it (§7.1.1)",
			handle:     func(*Conn, Frame) Result { return Stop() },
			steps:      []step{{at: time.Second, input: clientFrame(frame.OpText, nil)}, {at: 2 * time.Second, input: clientFrame(frame.OpClose, []byte{0x03, 0xe8})}},
			wantEvents: []ws.Event{closeEvent(frame.CloseNormal)},
			wantDone:   true,
			wantReason: ReasonStop{},
			wantNext:   time.Second + DefaultCloseTimeout,
		},
		{
			name:       "close handshake: CloseTimeout without the client's close ends it",
			handle:     func(*Conn, Frame) Result { return Stop() },
			steps:      []step{{at: time.Second, input: clientFrame(frame.OpText, nil)}, {at: time.Second + DefaultCloseTimeout}},
			wantEvents: []ws.Event{closeEvent(frame.CloseNormal)},
			wantDone:   true,
			wantReason: ReasonStop{},
			wantNext:   time.Second + DefaultCloseTimeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &funcHandler{handle: tt.handle}
			c := newProcess(t, h, Options{IdleTimeout: idle})
			var got []ws.Event
			for _, st := range tt.steps {
				now := t0.Add(st.at)
				if st.input == nil {
					c.tick(now)
				} else {
					c.readAt(now)
					c.receive(st.input)
				}
				c.advance()
				got = append(got, written(t, c)...)
			}
			if diff := cmp.Diff(tt.wantEvents, got); diff != "" {
				t.Errorf("frames written (-want +got):\n%s", diff)
			}
			if c.done != tt.wantDone {
				t.Errorf("done = %v; want %v", c.done, tt.wantDone)
			}
			if diff := cmp.Diff(tt.wantReason, c.reason); diff != "" {
				t.Errorf("reason (-want +got):\n%s", diff)
			}
			var next time.Duration
			if dl := c.deadline(); !dl.IsZero() {
				next = dl.Sub(t0)
			}
			if next != tt.wantNext {
				t.Errorf("next deadline at %v; want %v", next, tt.wantNext)
			}
		})
	}
}

// TestProcessWriteTimeout: output the socket does not take waits until WriteTimeout, then
// ends the connection with ReasonError(os.ErrDeadlineExceeded); meanwhile the mailbox waits,
// so that a client that stops reading cannot make the server queue without bound.
func TestProcessWriteTimeout(t *testing.T) {
	h := &funcHandler{info: func(c *Conn, info any) Result { return Reply(Binary(make([]byte, 100))) }}
	c := newProcess(t, h, Options{WriteTimeout: time.Second})
	c.Self().Send("a")
	c.at(t0)
	c.advance()
	head, _ := c.output()
	c.wrote(10) // the socket took 10 bytes
	c.Self().Send("b")
	c.advance()
	if got, want := c.buffered(), len(head)-10; got != want {
		t.Errorf("%d bytes queued after an info while blocked; want %d (the info waits)", got, want)
	}
	if got := c.deadline(); !got.Equal(t0.Add(time.Second)) {
		t.Errorf("deadline %v; want the write timeout at t0+1s", got)
	}
	c.tick(t0.Add(time.Second))
	if !c.done || c.blocked() {
		t.Errorf("after the write timeout: done=%v blocked=%v; want done, nothing queued", c.done, c.blocked())
	}
	if re, ok := c.reason.(ReasonError); !ok || !errors.Is(re.Err, os.ErrDeadlineExceeded) {
		t.Errorf("reason %v; want {error, i/o timeout}", c.reason)
	}
}

// TestTurnBudget: a driver that shares its goroutine gives a connection a budget of message
// bytes per turn (an event loop's turnBudget); receive stops once it is spent, reporting
// again with the rest unconsumed, and the next turn goes on where it stopped. Nothing is
// lost or reordered; a budget of 0 (a goroutine's) never stops it.
func TestTurnBudget(t *testing.T) {
	msg := func(s string) []byte { return clientFrame(frame.OpText, []byte(s)) }
	stream := append(append(msg(strings.Repeat("a", 60)), msg(strings.Repeat("b", 60))...), msg(strings.Repeat("c", 60))...)
	tests := []struct {
		name   string
		budget int32
		want   []int // messages handled per turn
	}{
		{"no budget (a goroutine's): one turn", -1, []int{3}},
		{"100 bytes: two messages, then one", 100, []int{2, 1}},
		{"60 bytes: one per turn", 60, []int{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newProcess(t, newHandler(), Options{})
			written(t, c) // the 101
			b := append([]byte(nil), stream...)
			var got []int
			var echoed strings.Builder
			for turn := 0; len(b) > 0 && turn < 5; turn++ {
				if tt.budget >= 0 {
					c.startTurn(tt.budget)
				}
				n, again := c.receive(b)
				b = b[n:]
				evs := written(t, c)
				got = append(got, len(evs))
				for _, ev := range evs {
					echoed.Write(ev.Data)
				}
				if again != (len(b) > 0) {
					t.Errorf("turn %d: again %v with %d bytes left", turn, again, len(b))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages per turn (-want +got):\n%s", diff)
			}
			if want := strings.Repeat("a", 60) + strings.Repeat("b", 60) + strings.Repeat("c", 60); echoed.String() != want {
				t.Errorf("echoed %q; want %q", echoed.String(), want)
			}
		})
	}
}

// TestReplyListBackpressure: under BackpressureClose the bound holds while a callback's
// frames are made: with a socket that takes nothing, a reply of 16 frames of 64 KiB ends
// the connection once more than MaxBackpressure (256 KiB) waits, after 4 frames, instead of
// queueing 1 MiB; under BackpressureWait the whole reply waits for the socket.
func TestReplyListBackpressure(t *testing.T) {
	frames := make([]Frame, 16)
	for i := range frames {
		frames[i] = Binary(make([]byte, 64<<10))
	}
	tests := []struct {
		name       string
		policy     BackpressurePolicy
		want       Stats
		wantDone   bool
		maxQueue   int // bytes queued at most
		wantDrains int
	}{
		// The 4th frame takes the output over 256 KiB: a drain learns the socket takes
		// nothing, so Close closes and Drop leaves the other 12 out.
		{"close", BackpressureClose, Stats{ClosedBackpressure: 1}, true, 0, 1},
		{"wait", BackpressureWait, Stats{}, false, 16 * (64<<10 + 10), 0}, // 10-byte headers
		{"drop", BackpressureDrop, Stats{DroppedFrames: 12, Buffered: 4 * (64<<10 + 10)}, false, 4 * (64<<10 + 10), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler()
			h.handle = func(*Conn, Frame) Result { return Reply(frames[0], frames[1:]...) }
			c := newProcess(t, h, Options{OnBackpressure: tt.policy, MaxBackpressure: 256 << 10})
			c.probed = true // as over TCP
			written(t, c)   // the 101
			c.receive(clientFrame(frame.OpBinary, []byte("go")))
			if c.done != tt.wantDone {
				t.Fatalf("done %v; want %v", c.done, tt.wantDone)
			}
			if got := c.buffered(); got > tt.maxQueue {
				t.Errorf("%d bytes queued; want at most %d", got, tt.maxQueue)
			}
			if tt.wantDone {
				re, ok := c.reason.(ReasonError)
				if !ok || !errors.Is(re.Err, ErrBackpressure) {
					t.Errorf("reason %v; want ErrBackpressure", c.reason)
				}
			}
			if d := c.drv.(*fakeDriver); d.drains != tt.wantDrains {
				t.Errorf("%d drains; want %d", d.drains, tt.wantDrains)
			}
			got := c.srv.Stats()
			got.Connections = 0
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("counters (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInfosBackpressure: 64 infos wait in the mailbox, each answered with a 64 KiB frame,
// for a client whose socket takes nothing. Under Wait and Close the process delivers them
// until more than MaxBackpressure (256 KiB) waits, and the rest stay in the mailbox; under
// Drop it delivers them all and leaves out the frames beyond the bound. No policy queues
// the mailbox's 4 MiB.
func TestInfosBackpressure(t *testing.T) {
	const infos, size, bound = 64, 64 << 10, 256 << 10
	tests := []struct {
		name   string
		policy BackpressurePolicy
		want   Stats
		left   int // infos still in the mailbox
	}{
		{"wait", BackpressureWait, Stats{}, infos - 4},
		{"close", BackpressureClose, Stats{ClosedBackpressure: 1}, infos - 4},
		{"drop", BackpressureDrop, Stats{DroppedFrames: infos - 4, Buffered: 4 * (size + 10)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler()
			h.info = func(*Conn, any) Result { return Reply(Binary(make([]byte, size))) }
			c := newProcess(t, h, Options{OnBackpressure: tt.policy, MaxBackpressure: bound})
			c.probed = true // as over TCP
			written(t, c)   // the 101
			for i := range infos {
				if err := c.Self().Send(i); err != nil {
					t.Fatal(err)
				}
			}
			c.advance()
			if got := c.buffered(); got > bound+size+10 {
				t.Errorf("%d bytes queued; want at most %d", got, bound+size+10)
			}
			if got := c.mb.len(); got != tt.left {
				t.Errorf("%d infos left in the mailbox; want %d", got, tt.left)
			}
			got := c.srv.Stats()
			got.Connections = 0
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("counters (-want +got):\n%s", diff)
			}
		})
	}
}
