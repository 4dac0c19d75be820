package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

func newHandler() *funcHandler { return &funcHandler{terminate: make(chan Reason, 1)} }

func TestEcho(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		c := dial(t, startHandler(t, st, h, Options{}))
		for _, msg := range []string{"hello", "", strings.Repeat("é", 40000)} {
			if err := c.Write(context.Background(), frame.OpText, []byte(msg)); err != nil {
				t.Fatal(err)
			}
			if got := readText(t, c); got != msg {
				t.Errorf("echo of %d bytes came back as %d bytes", len(msg), len(got))
			}
		}
		c.Close(frame.CloseNormal, "bye")
		if diff := cmp.Diff(Reason(ReasonRemote{Code: 1000, Payload: []byte("bye")}), reasonOf(t, h)); diff != "" {
			t.Errorf("terminate reason (-want +got):\n%s", diff)
		}
	})
}

// TestWebsocketInitReply is the guide's websocket_init that replies with "Hello!" at once.
func TestWebsocketInitReply(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		h.init = func(c *Conn) Result { return Reply(Text([]byte("Hello!"))) }
		c := dial(t, startHandler(t, st, h, Options{}))
		if got := readText(t, c); got != "Hello!" {
			t.Errorf("first message %q; want Hello!", got)
		}
	})
}

func TestTerminateReasons(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		tests := []struct {
			name     string
			handle   func(c *Conn, f Frame) Result
			send     func(t *testing.T, nc net.Conn) // raw client bytes after the upgrade
			wantCode frame.CloseCode                 // close code the client receives; 0: none expected
			want     Reason
		}{
			{
				name:     "stop result: close 1000 and ReasonStop",
				handle:   func(*Conn, Frame) Result { return Stop() },
				wantCode: frame.CloseNormal,
				want:     ReasonStop{},
			},
			{
				name:     "close frame in reply: its code, ReasonStop",
				handle:   func(*Conn, Frame) Result { return Reply(CloseFrame(4000, "bye")) },
				wantCode: 4000,
				want:     ReasonStop{},
			},
			{
				name:     "panic: close 1011 and ReasonCrash",
				handle:   func(*Conn, Frame) Result { panic("boom") },
				wantCode: frame.CloseInternalError,
				want:     ReasonCrash{Value: "boom"},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := newHandler()
				h.handle = tt.handle
				c := dial(t, startHandler(t, st, h, Options{}))
				c.Write(context.Background(), frame.OpText, []byte("go"))
				if got := readClose(t, c); got != tt.wantCode {
					t.Errorf("close code %v; want %v", got, tt.wantCode)
				}
				c.Close(frame.CloseNormal, "")
				got := reasonOf(t, h)
				if cr, ok := got.(ReasonCrash); ok {
					if len(cr.Stack) == 0 {
						t.Error("ReasonCrash without a stack")
					}
					got = ReasonCrash{Value: cr.Value}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("terminate reason (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestCloseMidReplyList checks that a close frame in a reply list starts the close handshake
// and that nothing after it is sent.
func TestCloseMidReplyList(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		h.handle = func(*Conn, Frame) Result {
			return Reply(Text([]byte("one")), Text([]byte("two")), CloseFrame(frame.CloseGoingAway, ""), Text([]byte("never")))
		}
		c := dial(t, startHandler(t, st, h, Options{}))
		c.Write(context.Background(), frame.OpText, []byte("go"))
		got := []string{readText(t, c), readText(t, c)}
		if diff := cmp.Diff([]string{"one", "two"}, got); diff != "" {
			t.Errorf("messages before close (-want +got):\n%s", diff)
		}
		if code := readClose(t, c); code != frame.CloseGoingAway {
			t.Errorf("close code %v; want 1001", code)
		}
		if _, ok := reasonOf(t, h).(ReasonStop); !ok {
			t.Error("terminate reason is not ReasonStop")
		}
	})
}

// TestRemoteCloseReasons: what the client does decides the terminate reason, and for a
// protocol error the reason's kind and the close code the client gets agree one-to-one
// (RFC 6455 §7.4.1; Cowboy's websocket_send_close).
func TestRemoteCloseReasons(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		tests := []struct {
			name     string
			send     []byte
			want     Reason
			wantCode frame.CloseCode // the close code the client receives
		}{
			{"close without code: remote", clientFrame(frame.OpClose, nil), ReasonRemote{Code: frame.CloseNoStatus}, frame.CloseNoStatus},
			{"close with code and payload", clientFrame(frame.OpClose, []byte("\x0f\xa0why")), ReasonRemote{Code: 4000, Payload: []byte("why")}, 4000},
			{"§8.1 invalid UTF-8: badencoding", clientFrame(frame.OpText, []byte{0xff}), ReasonError{Err: frame.ErrBadEncoding}, frame.CloseInvalidPayload},
			{"§5.5.1 close reason not UTF-8: badencoding", clientFrame(frame.OpClose, []byte("\x03\xe8\xff")), ReasonError{Err: frame.ErrBadEncoding}, frame.CloseInvalidPayload},
			{"§5.2 reserved opcode: badframe", clientFrame(0x3, nil), ReasonError{Err: frame.ErrBadFrame}, frame.CloseProtocolError},
			{"§10.4 frame over MaxFrameSize: badsize", clientFrame(frame.OpBinary, make([]byte, 2000)), ReasonError{Err: frame.ErrBadSize}, frame.CloseMessageTooBig},
			{"§10.4 message over MaxMessageSize: badsize", slices.Concat(
				clientFragment(frame.OpBinary, false, make([]byte, 1000)),
				clientFragment(frame.OpContinuation, true, make([]byte, 1000))), ReasonError{Err: frame.ErrBadSize}, frame.CloseMessageTooBig},
			{"socket closed without close frame: closed", nil, ReasonError{Err: ErrClosed}, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := newHandler()
				c := dial(t, startHandler(t, st, h, Options{MaxFrameSize: 1024, MaxMessageSize: 1500}))
				nc := c.NetConn()
				var code frame.CloseCode
				if tt.send == nil {
					nc.Close()
				} else {
					nc.Write(tt.send)
					code = readClose(t, c) // and answer it, as a client must
				}
				if code != tt.wantCode {
					t.Errorf("client got close code %v; want %v", code, tt.wantCode)
				}
				got := reasonOf(t, h)
				if re, ok := got.(ReasonError); ok {
					want := tt.want.(ReasonError)
					if !errors.Is(re, want.Err) {
						t.Errorf("terminate reason %v; want one matching %v", re, want.Err)
					}
					if tt.wantCode != 0 && frame.CloseCodeOf(re.Err) != tt.wantCode {
						t.Errorf("frame.CloseCodeOf(%v) = %v; want the code sent, %v", re.Err, frame.CloseCodeOf(re.Err), tt.wantCode)
					}
					return
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("terminate reason (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func clientFragment(op frame.Opcode, fin bool, payload []byte) []byte {
	return frame.AppendFrame(nil, frame.Header{Fin: fin, Opcode: op, Masked: true, Mask: [4]byte{1, 2, 3, 4}}, payload)
}

func clientFrame(op frame.Opcode, payload []byte) []byte {
	return frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: op, Masked: true, Mask: [4]byte{1, 2, 3, 4}}, payload)
}

func TestIdleTimeout(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		_, addr := start(t, st, func(u *Upgrade) (Handler, error) {
			u.IdleTimeout = 100 * time.Millisecond
			return h, nil
		}, Options{})
		c := dial(t, addr)
		if code := readClose(t, c); code != frame.CloseNormal {
			t.Errorf("close code %v; want 1000", code)
		}
		if diff := cmp.Diff(Reason(ReasonTimeout{}), reasonOf(t, h)); diff != "" {
			t.Errorf("terminate reason (-want +got):\n%s", diff)
		}
	})
}

// TestInfos sends infos from other goroutines and from a timer, in the guide's style.
func TestInfos(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		h.init = func(c *Conn) Result {
			c.Self().SendAfter(20*time.Millisecond, "timer")
			return OK()
		}
		h.info = func(c *Conn, info any) Result { return Reply(Text([]byte(info.(string)))) }
		pids := make(chan Pid, 1)
		_, addr := start(t, st, func(u *Upgrade) (Handler, error) {
			return &pidReporter{h, pids}, nil
		}, Options{})
		c := dial(t, addr)
		if got := readText(t, c); got != "timer" {
			t.Fatalf("first info %q; want timer", got)
		}
		pid := <-pids
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 25 {
					if err := pid.Send(strings.Repeat("x", i*100+j+1)); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		seen := map[int]bool{}
		for range 100 {
			seen[len(readText(t, c))] = true
		}
		if len(seen) != 100 {
			t.Errorf("got %d distinct infos; want 100", len(seen))
		}
		c.Close(frame.CloseNormal, "")
		reasonOf(t, h)
		if err := pid.Send("late"); !errors.Is(err, ErrNoProcess) {
			t.Errorf("Send after the end: %v; want ErrNoProcess", err)
		}
	})
}

// pidReporter hands its connection's Pid to the test from websocket_init.
type pidReporter struct {
	*funcHandler
	pids chan Pid
}

func (p *pidReporter) WebsocketInit(c *Conn) Result {
	p.pids <- c.Self()
	return p.funcHandler.WebsocketInit(c)
}

func TestMailboxFull(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		block := make(chan struct{})
		inside := make(chan struct{})
		h := newHandler()
		h.info = func(c *Conn, info any) Result {
			if info == "first" {
				close(inside)
				<-block
			}
			return OK()
		}
		pids := make(chan Pid, 1)
		s, addr := start(t, st, func(u *Upgrade) (Handler, error) { return &pidReporter{h, pids}, nil }, Options{MailboxSize: 3})
		c := dial(t, addr)
		pid := <-pids
		pid.Send("first") // taken by the connection, which then blocks in WebsocketInfo
		<-inside
		var errs []error
		for i := range 4 {
			errs = append(errs, pid.Send(i))
		}
		close(block)
		want := []error{nil, nil, nil, ErrMailboxFull}
		if diff := cmp.Diff(want, errs, cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) })); diff != "" {
			t.Errorf("Send results with a mailbox of 3 (-want +got):\n%s", diff)
		}
		if got := s.Stats().DroppedInfos; got != 1 {
			t.Errorf("Stats.DroppedInfos = %d; want 1", got)
		}
		c.Close(frame.CloseNormal, "")
	})
}

// TestPingPong: every ping is answered by the server, and still reaches the handler.
func TestPingPong(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		seen := make(chan Frame, 2)
		h.handle = func(c *Conn, f Frame) Result {
			seen <- Frame{Op: f.Op, Data: clone(f.Data)}
			return OK()
		}
		c := dial(t, startHandler(t, st, h, Options{}))
		nc := c.NetConn()
		nc.Write(clientFrame(frame.OpPing, []byte("are you there")))
		buf := make([]byte, 64)
		n, err := nc.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		want := frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: frame.OpPong}, []byte("are you there"))
		if diff := cmp.Diff(want, buf[:n]); diff != "" {
			t.Errorf("RFC 6455 §5.5.3 pong (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(Ping([]byte("are you there")), <-seen); diff != "" {
			t.Errorf("handler's view (-want +got):\n%s", diff)
		}
	})
}

// TestFlowControl: SetActive(false) stops reading until an info turns it back on.
func TestFlowControl(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		got := make(chan string, 10)
		h.handle = func(c *Conn, f Frame) Result {
			got <- string(f.Data)
			if string(f.Data) == "pause" {
				c.SetActive(false)
				c.Self().SendAfter(200*time.Millisecond, "resume")
			}
			return OK()
		}
		h.info = func(c *Conn, info any) Result {
			c.SetActive(true)
			got <- "resumed"
			return OK()
		}
		c := dial(t, startHandler(t, st, h, Options{}))
		c.Write(context.Background(), frame.OpText, []byte("pause"))
		c.Write(context.Background(), frame.OpText, []byte("after"))
		var order []string
		for range 3 {
			select {
			case s := <-got:
				order = append(order, s)
			case <-time.After(5 * time.Second):
				t.Fatalf("stuck after %v", order)
			}
		}
		if diff := cmp.Diff([]string{"pause", "resumed", "after"}, order); diff != "" {
			t.Errorf("order of events (-want +got):\n%s", diff)
		}
	})
}

// TestSetOptionsWhileRunning: new connections get new options, running ones keep theirs.
func TestSetOptionsWhileRunning(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h1, h2 := newHandler(), newHandler()
		var mu sync.Mutex
		next := []*funcHandler{h1, h2}
		s, addr := start(t, st, func(*Upgrade) (Handler, error) {
			mu.Lock()
			defer mu.Unlock()
			h := next[0]
			next = next[1:]
			return h, nil
		}, Options{})
		c1 := dial(t, addr)
		s.SetOptions(Options{IdleTimeout: 100 * time.Millisecond})
		c2 := dial(t, addr)
		if code := readClose(t, c2); code != frame.CloseNormal {
			t.Errorf("new connection: close %v; want idle timeout's 1000", code)
		}
		if _, ok := reasonOf(t, h2).(ReasonTimeout); !ok {
			t.Error("new connection did not time out")
		}
		c1.Write(context.Background(), frame.OpText, []byte("still here"))
		if got := readText(t, c1); got != "still here" {
			t.Errorf("old connection echoed %q", got)
		}
	})
}

// TestHibernateGivesBuffersBack checks, from the next callback on the connection's own
// goroutine, that a hibernate result gave back the read and write buffers. The info is sent
// once the echo has arrived: the connection flushed it, and hibernates before it drains its
// mailbox, so the check cannot run before the sleep.
func TestHibernateGivesBuffersBack(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		h.handle = func(c *Conn, f Frame) Result {
			if string(f.Data) != "sleep" {
				return Reply(f)
			}
			return Reply(f).Hibernate()
		}
		h.info = func(c *Conn, info any) Result {
			return Reply(Text([]byte(fmt.Sprintf("sleeping=%v", sleepingState(c)))))
		}
		pids := make(chan Pid, 1)
		_, addr := start(t, st, func(*Upgrade) (Handler, error) { return &pidReporter{h, pids}, nil }, Options{})
		c := dial(t, addr)
		pid := <-pids
		c.Write(context.Background(), frame.OpText, []byte("sleep"))
		if got := readText(t, c); got != "sleep" {
			t.Fatalf("echo %q", got)
		}
		pid.Send("check")
		if got := readText(t, c); got != "sleeping=true" {
			t.Errorf("after a hibernate result: %s; want sleeping=true", got)
		}
		c.Write(context.Background(), frame.OpText, []byte("awake"))
		if got := readText(t, c); got != "awake" {
			t.Errorf("after hibernation echoed %q", got)
		}
	})
}

func TestGracefulShutdown(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		var hs []*funcHandler
		var mu sync.Mutex
		s, addr := start(t, st, func(*Upgrade) (Handler, error) {
			h := newHandler()
			mu.Lock()
			hs = append(hs, h)
			mu.Unlock()
			return h, nil
		}, Options{})
		var clients []*client.Conn
		for range 5 {
			clients = append(clients, dial(t, addr))
		}
		codes := make(chan frame.CloseCode, len(clients))
		for _, cl := range clients {
			go func() {
				for {
					if _, _, err := cl.Read(context.Background()); err != nil {
						codes <- closeCodeOf(err)
						return
					}
				}
			}()
		}
		if err := s.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		for range clients {
			if code := <-codes; code != frame.CloseGoingAway {
				t.Errorf("close code %v; want 1001", code)
			}
		}
		for _, h := range hs {
			if diff := cmp.Diff(Reason(ReasonShutdown{}), reasonOf(t, h)); diff != "" {
				t.Errorf("terminate reason (-want +got):\n%s", diff)
			}
		}
	})
}

// TestBadCloseFrameClosesTCP: a close frame that breaks §5.5.1 or §7.4 still ends the
// client's side of the handshake, so the server answers 1002 and closes TCP at once
// (RFC 6455 §7.1.1), without waiting for a second close (Autobahn 7.3.2, 7.5.1, 7.9.*).
func TestBadCloseFrameClosesTCP(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		for _, tt := range []struct {
			payload string
			code    byte // low byte of the close code: 1002 (0xea) or 1007 (0xef)
		}{{"\x03", 0xea}, {"\x03\xe8\xff", 0xef}, {"\x03\xed", 0xea},
			// RFC 6455 §5.5: a control frame's payload is at most 125 bytes (Autobahn 7.3.6).
			{"\x03\xe8" + strings.Repeat("*", 124), 0xea}} {
			payload := tt.payload
			h := newHandler()
			c := dial(t, startHandler(t, st, h, Options{CloseTimeout: time.Minute}))
			nc := c.NetConn()
			nc.Write(clientFrame(frame.OpClose, []byte(payload)))
			start := time.Now()
			buf := make([]byte, 64)
			var got []byte
			for {
				n, err := nc.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					break
				}
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("close payload %x: TCP closed after %v", payload, time.Since(start))
			}
			if len(got) < 4 || got[0] != 0x88 || got[2] != 0x03 || got[3] != tt.code {
				t.Errorf("close payload %x: server sent % x; want close 0x03%x", payload, got, tt.code)
			}
			reasonOf(t, h)
		}
	})
}
