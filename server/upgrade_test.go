package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// chooseProto is an InitFunc that accepts only clients speaking "chat.v2", the guide's
// subprotocol example, and refuses the others with 400.
func chooseProto(u *Upgrade) (Handler, error) {
	if !u.SelectProtocol("chat.v2") {
		return nil, Refuse(http.StatusBadRequest, "no acceptable subprotocol")
	}
	u.Header.Set("X-Served-By", "bronco")
	return newHandler(), nil
}

func TestHandshakeRefusals(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		_, addr := start(t, st, chooseProto, Options{})
		tests := []struct {
			name       string
			req        string
			wantStatus string
			wantHeader string // a line the response head must contain
		}{
			{"§4.2.2 subprotocol selected, header set by init", upgradeRequest("Sec-WebSocket-Protocol: chat.v1, chat.v2"), "HTTP/1.1 101 Switching Protocols", "Sec-Websocket-Protocol: chat.v2"},
			{"init refuses with 400", upgradeRequest("Sec-WebSocket-Protocol: chat.v1"), "HTTP/1.1 400 Bad Request", ""},
			{"§4.2.1 not an upgrade: 400", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "HTTP/1.1 400 Bad Request", ""},
			{"§4.2.2 version 8: 426 with the version we speak", strings.Replace(upgradeRequest(), "Version: 13", "Version: 8", 1), "HTTP/1.1 426 Upgrade Required", "Sec-Websocket-Version: 13"},
			{"§4.2.1 method other than GET: 405 naming GET (RFC 9110 §15.5.6)", strings.Replace(upgradeRequest(), "GET", "POST", 1), "HTTP/1.1 405 Method Not Allowed", "Allow: GET"},
			{"§10.2 cross-origin browser request: 403", upgradeRequest("Origin: https://evil.example"), "HTTP/1.1 403 Forbidden", ""},
			{"same-origin browser request", upgradeRequest("Origin: https://example.com", "Sec-WebSocket-Protocol: chat.v2"), "HTTP/1.1 101 Switching Protocols", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, head := rawRequest(t, addr, tt.req)
				if status != tt.wantStatus {
					t.Errorf("status %q; want %q", status, tt.wantStatus)
				}
				if tt.wantHeader != "" && !strings.Contains(strings.ToLower(head), strings.ToLower(tt.wantHeader)) {
					t.Errorf("response head lacks %q:\n%s", tt.wantHeader, head)
				}
			})
		}
	})
}

// TestNetHTTPMount runs a handler behind a net/http ServeMux, middleware-style, on both
// drivers: InitFunc sees the *http.Request.
func TestNetHTTPMount(t *testing.T) {
	for _, loops := range []int{0, 1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			h := newHandler()
			s := New(func(u *Upgrade) (Handler, error) {
				if u.HTTPRequest == nil || u.HTTPRequest.URL.Path != "/ws" {
					return nil, Refuse(http.StatusInternalServerError, "no HTTPRequest")
				}
				return h, nil
			}, Options{EventLoops: loops})
			defer s.Shutdown(context.Background())
			mux := http.NewServeMux()
			mux.Handle("/ws", s)
			ts := httptest.NewServer(mux)
			defer ts.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, _, err := client.Dial(ctx, strings.Replace(ts.URL, "http", "ws", 1)+"/ws", ws.Config{})
			if err != nil {
				t.Fatal(err)
			}
			c.NetConn().SetDeadline(time.Now().Add(5 * time.Second))
			var got []string
			for _, m := range []string{"over", "net/http"} {
				c.Write(context.Background(), frame.OpText, []byte(m))
				got = append(got, readText(t, c))
			}
			if diff := cmp.Diff([]string{"over", "net/http"}, got); diff != "" {
				t.Errorf("echo (-want +got):\n%s", diff)
			}
			c.Close(frame.CloseNormal, "")
			if _, ok := reasonOf(t, h).(ReasonRemote); !ok {
				t.Error("terminate reason is not ReasonRemote")
			}
		})
	}
}

// TestFirstFrameWithHandshake: a client that sends its first frame in the same write as the
// upgrade request is served (the bytes after the request are not lost).
func TestFirstFrameWithHandshake(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		addr := startHandler(t, st, h, Options{})
		req := upgradeRequest() + string(clientFrame(frame.OpText, []byte("early")))
		status, _ := rawRequestThenRead(t, addr, req, "early")
		if status != "HTTP/1.1 101 Switching Protocols" {
			t.Errorf("status %q", status)
		}
	})
}

// TestInitRefusalTerminates: a refused upgrade whose init returned a handler gets
// Terminate(ReasonNormal{}), Cowboy's normal.
func TestInitRefusalTerminates(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		_, addr := start(t, st, func(*Upgrade) (Handler, error) { return h, Refuse(http.StatusTeapot, "no") }, Options{})
		status, _ := rawRequest(t, addr, upgradeRequest())
		if status != "HTTP/1.1 418 I'm a teapot" {
			t.Errorf("status %q", status)
		}
		if diff := cmp.Diff(Reason(ReasonNormal{}), reasonOf(t, h)); diff != "" {
			t.Errorf("terminate reason (-want +got):\n%s", diff)
		}
	})
}

// TestUpgradeWithBody: an upgrade request that announces a body is refused with 400 on every
// mount, rather than switched with its body read as the client's first frames (RFC 9112
// §6.3: differing Content-Lengths MUST be answered 400; RFC 6455 §4.1: the request has no
// body).
func TestUpgradeWithBody(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		addr := startHandler(t, st, h, Options{})
		for _, tt := range []struct{ name, extra, body string }{
			{"Content-Length", "Content-Length: 5", "hello"},
			{"Transfer-Encoding", "Transfer-Encoding: chunked", "5\r\nhello\r\n0\r\n\r\n"},
			{"Content-Length and Transfer-Encoding", "Content-Length: 5\r\nTransfer-Encoding: chunked", "5\r\nhello\r\n0\r\n\r\n"},
			{"differing Content-Lengths", "Content-Length: 0\r\nContent-Length: 5", "hello"},
		} {
			status, _ := rawRequest(t, addr, upgradeRequest(tt.extra)+tt.body)
			if want := "HTTP/1.1 400 Bad Request"; status != want {
				t.Errorf("%s: status %q; want %q", tt.name, status, want)
			}
		}
	})
}
