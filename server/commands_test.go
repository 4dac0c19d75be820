package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// TestIdleWhileInactive: every driver follows Cowboy here. The idle timeout runs while the
// connection is inactive ({active, false}); when it fires the server closes with 1000 and
// ReasonTimeout, and a frame held since the pause is never handled.
func TestIdleWhileInactive(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		handled := make(chan string, 4)
		h.handle = func(c *Conn, f Frame) Result {
			handled <- string(f.Data)
			c.SetActive(false)
			return OK()
		}
		_, addr := start(t, st, func(u *Upgrade) (Handler, error) {
			u.IdleTimeout = 200 * time.Millisecond
			return h, nil
		}, Options{})
		c := dial(t, addr)
		c.Write(context.Background(), frame.OpText, []byte("pause"))
		c.Write(context.Background(), frame.OpText, []byte("held"))
		if code := readClose(t, c); code != frame.CloseNormal {
			t.Errorf("close code %v; want 1000", code)
		}
		c.Close(frame.CloseNormal, "")
		if diff := cmp.Diff(Reason(ReasonTimeout{}), reasonOf(t, h)); diff != "" {
			t.Errorf("terminate reason (-want +got):\n%s", diff)
		}
		close(handled)
		var got []string
		for s := range handled {
			got = append(got, s)
		}
		if diff := cmp.Diff([]string{"pause"}, got); diff != "" {
			t.Errorf("frames handled (-want +got):\n%s", diff)
		}
	})
}

// pausing returns a handler that goes inactive in websocket_init with idle as its idle
// timeout, and a channel closed once it has.
func pausing(idle time.Duration) (*funcHandler, <-chan struct{}) {
	h := newHandler()
	paused := make(chan struct{})
	h.init = func(c *Conn) Result {
		c.SetActive(false)
		c.SetIdleTimeout(idle)
		close(paused)
		return OK()
	}
	return h, paused
}

// TestClientGoneWhileInactive: a connection that does not read learns nothing of its
// client until it reads again, on every driver, as a Cowboy process with {active, false}
// does: a client that vanishes meanwhile is found out by the idle timeout.
func TestClientGoneWhileInactive(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h, paused := pausing(200 * time.Millisecond)
		c := dial(t, startHandler(t, st, h, Options{}))
		<-paused
		if tc, ok := c.NetConn().(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.NetConn().Close() // a reset (over HTTP/2, RST_STREAM), not a close handshake
		if diff := cmp.Diff(Reason(ReasonTimeout{}), reasonOf(t, h)); diff != "" {
			t.Errorf("terminate reason (-want +got):\n%s", diff)
		}
	})
}

// TestProtocolInHeader: the literal translation of Cowboy's subprotocol example,
// cowboy_req:set_resp_header(<<"sec-websocket-protocol">>, <<"mqtt">>, Req), selects the
// subprotocol (RFC 6455 §4.2.2); one the client did not offer is refused with 500 rather
// than a 101 that browsers would reject.
func TestProtocolInHeader(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		_, addr := start(t, st, func(u *Upgrade) (Handler, error) {
			u.Header.Set("Sec-WebSocket-Protocol", "mqtt")
			return newHandler(), nil
		}, Options{})
		tests := []struct {
			offer      string
			wantStatus string
			wantHeader string
		}{
			{"Sec-WebSocket-Protocol: mqtt", "HTTP/1.1 101 Switching Protocols", "sec-websocket-protocol: mqtt"},
			{"Sec-WebSocket-Protocol: v12.stomp, mqtt", "HTTP/1.1 101 Switching Protocols", "sec-websocket-protocol: mqtt"},
			{"Sec-WebSocket-Protocol: v12.stomp", "HTTP/1.1 500 Internal Server Error", ""},
			{"X-None: offered", "HTTP/1.1 500 Internal Server Error", ""},
		}
		for _, tt := range tests {
			t.Run(tt.offer, func(t *testing.T) {
				status, head := rawRequest(t, addr, upgradeRequest(tt.offer))
				if status != tt.wantStatus {
					t.Errorf("status %q; want %q", status, tt.wantStatus)
				}
				if got := strings.Count(strings.ToLower(head), "sec-websocket-protocol:"); tt.wantHeader != "" && (got != 1 || !strings.Contains(strings.ToLower(head), tt.wantHeader)) {
					t.Errorf("response head has %d protocol lines, want one %q:\n%s", got, tt.wantHeader, head)
				}
			})
		}
	})
}

// TestContextAndShutdownReason: a connection's Context ends with the connection, after
// Terminate; its cause is the error set with SetShutdownReason (Cowboy's shutdown_reason),
// ErrConnEnded when none was set, and the crash after a crash whatever was set.
func TestContextAndShutdownReason(t *testing.T) {
	errKicked := errors.New("kicked by an operator")
	tests := []struct {
		name   string
		handle func(c *Conn, f Frame) Result
		want   error
	}{
		{"normal", func(*Conn, Frame) Result { return Stop() }, ErrConnEnded},
		{"shutdown_reason", func(c *Conn, f Frame) Result { c.SetShutdownReason(errKicked); return Stop() }, errKicked},
		{"crash beats shutdown_reason", func(c *Conn, f Frame) Result { c.SetShutdownReason(errKicked); panic("boom") }, &CrashError{Value: "boom"}},
	}
	each(t, func(t *testing.T, st setup) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := newHandler()
				ctxs := make(chan context.Context, 1)
				h.init = func(c *Conn) Result {
					ctxs <- c.Context()
					return OK()
				}
				h.handle = tt.handle
				c := dial(t, startHandler(t, st, h, Options{}))
				ctx := <-ctxs
				if ctx.Err() != nil {
					t.Fatalf("Context done while the connection runs: %v", ctx.Err())
				}
				c.Write(context.Background(), frame.OpText, []byte("end"))
				readClose(t, c)
				c.Close(frame.CloseNormal, "")
				reasonOf(t, h)
				<-ctx.Done()
				got := context.Cause(ctx)
				if ce, ok := got.(*CrashError); ok {
					got = &CrashError{Value: ce.Value}
				}
				if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b error) bool {
					return errors.Is(a, b) || a.Error() == b.Error()
				})); diff != "" {
					t.Errorf("context.Cause (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestShutdownUnblocksInactive: Shutdown reaches a connection that is not reading
// (SetActive(false)) and whose handler holds no timer: it closes with 1001 in time.
func TestShutdownUnblocksInactive(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h, paused := pausing(0)
		s, addr := start(t, st, func(*Upgrade) (Handler, error) { return h, nil }, Options{})
		c := dial(t, addr)
		<-paused
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			done <- s.Shutdown(ctx)
		}()
		if code := readClose(t, c); code != frame.CloseGoingAway {
			t.Errorf("close code %v; want 1001", code)
		}
		c.Close(frame.CloseNormal, "")
		if err := <-done; err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if diff := cmp.Diff(Reason(ReasonShutdown{}), reasonOf(t, h)); diff != "" {
			t.Errorf("terminate reason (-want +got):\n%s", diff)
		}
	})
}

// TestShutdownContextEnds: a client that never answers the server's close cannot hold
// Shutdown past its context: the connection is closed at once and Shutdown returns the
// context's error.
func TestShutdownContextEnds(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		s, addr := start(t, st, func(*Upgrade) (Handler, error) { return h, nil }, Options{CloseTimeout: time.Hour})
		c := dial(t, addr)
		_ = c // never reads, never answers the close
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown: %v; want context.DeadlineExceeded", err)
		}
		reasonOf(t, h)
	})
}

// TestRefusalHeaders: refusals carry what the handler set, on both mounts.
func TestRefusalHeaders(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		_, addr := start(t, st, func(*Upgrade) (Handler, error) {
			r := Refuse(http.StatusUnauthorized, "who are you")
			r.Header = http.Header{"Www-Authenticate": {`Basic realm="ws"`}}
			return nil, r
		}, Options{})
		status, head := rawRequest(t, addr, upgradeRequest())
		if want := "HTTP/1.1 401 Unauthorized"; status != want {
			t.Errorf("status %q; want %q", status, want)
		}
		if !strings.Contains(head, `Www-Authenticate: Basic realm="ws"`) {
			t.Errorf("head lacks the handler's header:\n%s", head)
		}
	})
}

// TestSelfSendingInfos: a handler that sends itself the next info from every WebsocketInfo
// (Cowboy's self() ! next, a generator) keeps its mailbox full for good; the client's
// frames still get their turn on every driver, its close among them.
func TestSelfSendingInfos(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		h.init = func(c *Conn) Result {
			c.Self().Send("next")
			return OK()
		}
		h.info = func(c *Conn, info any) Result {
			c.Self().Send("next")
			return OK()
		}
		c := dial(t, startHandler(t, st, h, Options{}))
		for _, msg := range []string{"one", "two", "three"} {
			c.Write(context.Background(), frame.OpText, []byte(msg))
			if got := readText(t, c); got != msg {
				t.Errorf("echo %q; want %q", got, msg)
			}
		}
		c.Close(frame.CloseNormal, "")
		if diff := cmp.Diff(Reason(ReasonRemote{Code: frame.CloseNormal}), reasonOf(t, h)); diff != "" {
			t.Errorf("terminate reason (-want +got):\n%s", diff)
		}
	})
}
