package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// h2Setups are the setups whose clients open RFC 8441 streams.
func h2Setups() []setup {
	var h2 []setup
	for _, st := range setups {
		if st.h2 {
			h2 = append(h2, st)
		}
	}
	return h2
}

// TestHTTP2ExtendedConnect: over HTTP/2 an upgrade is an extended CONNECT (RFC 8441 §4) that
// InitFunc sees as such, sockets share their HTTP/2 connection (§1: the point of it), and
// messages, the close handshake and the stream's end work as over HTTP/1.1.
func TestHTTP2ExtendedConnect(t *testing.T) {
	for _, st := range h2Setups() {
		t.Run(st.name, func(t *testing.T) {
			type arrival struct{ Proto, Method, Protocol, Remote string }
			arrived := make(chan arrival, 2)
			h := newHandler()
			h.terminate = make(chan Reason, 2)
			_, addr := start(t, st, func(u *Upgrade) (Handler, error) {
				r := u.HTTPRequest
				arrived <- arrival{r.Proto, r.Method, r.Header.Get(":protocol"), r.RemoteAddr}
				return h, nil
			}, Options{})
			a, b := dial(t, addr), dial(t, addr)
			first, second := <-arrived, <-arrived
			want := arrival{"HTTP/2.0", "CONNECT", "websocket", first.Remote}
			if diff := cmp.Diff(want, first); diff != "" {
				t.Errorf("first socket's request (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, second); diff != "" {
				t.Errorf("second socket's request, on the same TCP connection (-want +got):\n%s", diff)
			}
			for i, c := range []interface {
				Write(context.Context, frame.Opcode, []byte) error
			}{a, b} {
				msg := strings.Repeat("é", 1000*(i+1))
				c.Write(context.Background(), frame.OpText, []byte(msg))
			}
			if got := readText(t, a); len(got) != 2000 {
				t.Errorf("first socket's echo: %d bytes; want 2000", len(got))
			}
			if got := readText(t, b); len(got) != 4000 {
				t.Errorf("second socket's echo: %d bytes; want 4000", len(got))
			}
			peer, err := a.Close(4000, "bye")
			if err != nil || peer == nil || peer.Code != 4000 || peer.Reason != "bye" {
				t.Errorf("Close: the server answered %+v, %v; want 4000 \"bye\"", peer, err)
			}
			if diff := cmp.Diff(Reason(ReasonRemote{Code: 4000, Payload: []byte("bye")}), reasonOf(t, h)); diff != "" {
				t.Errorf("terminate reason after a close handshake (-want +got):\n%s", diff)
			}
			// The other socket goes on, on the same connection, after its neighbour's end.
			b.Write(context.Background(), frame.OpText, []byte("still here"))
			if got := readText(t, b); got != "still here" {
				t.Errorf("second socket after the first closed: %q", got)
			}
		})
	}
}

// TestHTTP2StreamReset: a client whose stream ends without a close frame, by END_STREAM or
// RST_STREAM, is Cowboy's {error, closed}, as a TCP close is over HTTP/1.1 (RFC 8441 §5).
func TestHTTP2StreamReset(t *testing.T) {
	for _, st := range h2Setups() {
		t.Run(st.name, func(t *testing.T) {
			h := newHandler()
			c := dial(t, startHandler(t, st, h, Options{}))
			c.Write(context.Background(), frame.OpText, []byte("hi"))
			readText(t, c)
			c.NetConn().Close() // END_STREAM, then RST_STREAM(CANCEL) for the unread response
			r, ok := reasonOf(t, h).(ReasonError)
			if !ok || !errors.Is(r.Err, ErrClosed) {
				t.Errorf("terminate reason %v; want ReasonError with ErrClosed ({error, closed})", r)
			}
		})
	}
}

// TestHTTP2NotWebSocket: requests to the endpoint over HTTP/2 that are not RFC 8441
// extended CONNECTs are refused with the status RFC 8441 and RFC 6455 call for.
func TestHTTP2NotWebSocket(t *testing.T) {
	for _, st := range h2Setups() {
		t.Run(st.name, func(t *testing.T) {
			h := newHandler()
			addr := startHandler(t, st, h, Options{})
			rt, _ := h2Transports.Load(addr)
			tests := []struct {
				name   string
				method string
				header http.Header
				want   int
			}{
				{"a GET", http.MethodGet, http.Header{}, http.StatusMethodNotAllowed},
				{"RFC 8441 §4: :protocol other than websocket", http.MethodConnect,
					http.Header{":protocol": {"webtransport"}, "Sec-Websocket-Version": {"13"}}, http.StatusBadRequest},
				{"RFC 6455 §4.2.2: no Sec-WebSocket-Version", http.MethodConnect,
					http.Header{":protocol": {"websocket"}}, http.StatusUpgradeRequired},
			}
			for _, tt := range tests {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				req, _ := http.NewRequestWithContext(ctx, tt.method, "https://"+addr+"/", nil)
				req.Header = tt.header
				resp, err := rt.(http.RoundTripper).RoundTrip(req)
				if err != nil {
					cancel()
					t.Fatalf("%s: %v", tt.name, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				cancel()
				if resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != http.MethodConnect {
					t.Errorf("%s: 405 with Allow %q; want CONNECT (RFC 9110 §15.5.6, RFC 8441 §4)", tt.name, resp.Header.Get("Allow"))
				}
				if resp.ProtoMajor != 2 || resp.StatusCode != tt.want {
					t.Errorf("%s: HTTP/%d %d; want HTTP/2 %d", tt.name, resp.ProtoMajor, resp.StatusCode, tt.want)
				}
			}
		})
	}
}

// TestHTTP2FlowControl: SetActive(false) stops reading the stream, so HTTP/2 flow control
// (RFC 9113 §5.2) holds the client back once the stream's window is full: the server holds
// about the window (net/http's 1 MiB per stream) and one 16 KiB chunk, not what the client
// would send. A write that cannot go out for a second counts as held back.
func TestHTTP2FlowControl(t *testing.T) {
	for _, st := range h2Setups() {
		t.Run(st.name, func(t *testing.T) {
			h, paused := pausing(0)
			c := dial(t, startHandler(t, st, h, Options{}))
			<-paused
			msg := make([]byte, 64<<10)
			sent := 0
			for sent < 16<<20 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				err := c.Write(ctx, frame.OpBinary, msg)
				cancel()
				if err != nil {
					break
				}
				sent += len(msg)
			}
			if sent >= 2<<20 {
				t.Errorf("the client sent %d KiB to a connection that does not read; want under 2 MiB (a stream window)", sent>>10)
			}
		})
	}
}
