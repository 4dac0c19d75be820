package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// funcHandler is a Handler made of optional functions, recording its terminate reason.
type funcHandler struct {
	init      func(c *Conn) Result
	handle    func(c *Conn, f Frame) Result
	info      func(c *Conn, info any) Result
	terminate chan Reason
}

func (h *funcHandler) WebsocketInit(c *Conn) Result {
	if h.init == nil {
		return OK()
	}
	return h.init(c)
}

func (h *funcHandler) WebsocketHandle(c *Conn, f Frame) Result {
	if h.handle == nil {
		if f.Op == frame.OpText || f.Op == frame.OpBinary {
			return Reply(f)
		}
		return OK()
	}
	return h.handle(c, f)
}

func (h *funcHandler) WebsocketInfo(c *Conn, info any) Result {
	if h.info == nil {
		return OK()
	}
	return h.info(c, info)
}

func (h *funcHandler) Terminate(r Reason) {
	if h.terminate != nil {
		h.terminate <- r
	}
}

// reasonOf waits for the terminate reason of h.
func reasonOf(t *testing.T, h *funcHandler) Reason {
	t.Helper()
	select {
	case r := <-h.terminate:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("terminate was not called")
		return nil
	}
}

// setup is one way a user can run the server: a mount (a bare listener with Serve, or
// net/http with the Server as its handler) and a driver (a goroutine per connection, or an
// event loop). Every server behaviour is tested on each.
type setup struct {
	name  string
	http  bool
	loops int
	h2    bool // net/http serving HTTP/2 too (h2c), and clients opening RFC 8441 streams
}

var setups = []setup{
	{"bare/goroutine", false, 0, false},
	{"bare/loop", false, 1, false},
	{"http/goroutine", true, 0, false},
	{"http/loop", true, 1, false},
	// net/http over TLS with HTTP/2, where every connection is an RFC 8441 stream with the
	// goroutine driver, whatever EventLoops says: the loop setup checks that the option
	// changes nothing there.
	{"h2/goroutine", true, 0, true},
	{"h2/loop", true, 1, true},
}

// h2Transports holds, by server address, the HTTP/2 round tripper of an h2 setup's clients:
// dialer opens RFC 8441 streams on it.
var h2Transports sync.Map

// dialer is a client.Dialer for the server at addr, and the URL of path there: over
// HTTP/2 for an h2 setup's server.
func dialer(addr, path string) (client.Dialer, string) {
	var d client.Dialer
	if rt, ok := h2Transports.Load(addr); ok {
		d.HTTP2 = rt.(*h2RoundTripper)
		return d, "wss://" + addr + path
	}
	return d, "ws://" + addr + path
}

// dialRaw opens a connection for raw HTTP/1.1 requests to the server at addr: over TLS with
// ALPN http/1.1 for an h2 setup's server, which serves HTTP/1.1 beside HTTP/2.
func dialRaw(addr string) (net.Conn, error) {
	rt, ok := h2Transports.Load(addr)
	if !ok {
		return net.Dial("tcp", addr)
	}
	cfg := rt.(*h2RoundTripper).ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	return tls.Dial("tcp", addr, cfg)
}

// h2RoundTripper sends requests over HTTP/2 connections to ts with net/http's own HTTP/2
// client. net/http's Transport refuses the :protocol pseudo-header that RFC 8441 needs, but
// the HTTP/2 round tripper it hands a TLS connection to (TLSNextProto["h2"]) sends it: so
// the round tripper dials TLS with ALPN h2 itself and hands each connection over under an
// authority of its own ("h2-N.test:port"; the server ignores it), since that round
// tripper's pool keeps one connection per authority and never dials. A connection carries
// streamsPerConn streams, under the server's 250 concurrent ones; the next goes on a new one.
type h2RoundTripper struct {
	ts        *httptest.Server
	mu        sync.Mutex
	rt        http.RoundTripper
	authority string // of the newest connection
	conns     int
	streams   int // opened on the newest connection
}

const streamsPerConn = 200

func (h *h2RoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	if h.rt == nil || h.streams == streamsPerConn {
		if err := h.dial(); err != nil {
			h.mu.Unlock()
			return nil, err
		}
	}
	h.streams++
	rt, authority := h.rt, h.authority
	h.mu.Unlock()
	req = req.Clone(req.Context())
	req.URL.Host, req.Host = authority, authority
	return rt.RoundTrip(req)
}

func (h *h2RoundTripper) dial() error {
	tr := h.ts.Client().Transport.(*http.Transport)
	tr.CloseIdleConnections() // fills in TLSNextProto
	cfg := tr.TLSClientConfig.Clone()
	cfg.NextProtos = []string{"h2"}
	addr := h.ts.Listener.Addr().(*net.TCPAddr)
	tc, err := tls.Dial("tcp", addr.String(), cfg)
	if err != nil {
		return err
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
		tc.Close()
		return fmt.Errorf("ALPN chose %q, not h2", p)
	}
	h.conns++
	h.authority = fmt.Sprintf("h2-%d.test:%d", h.conns, addr.Port)
	h.rt, h.streams = tr.TLSNextProto["h2"](h.authority, tc), 0
	return nil
}

// each runs f once per setup, as subtests.
func each(t *testing.T, f func(t *testing.T, st setup)) {
	t.Helper()
	for _, st := range setups {
		t.Run(st.name, func(t *testing.T) { f(t, st) })
	}
}

// start serves init on a loopback listener, the way st says, until the test ends.
func start(t testing.TB, st setup, init InitFunc, opts Options) (*Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.EventLoops == 0 {
		opts.EventLoops = st.loops
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := New(init, opts)
	done := make(chan error, 1)
	var hs *http.Server
	switch {
	case st.h2:
		ts := httptest.NewUnstartedServer(s)
		ts.Listener.Close()
		ts.Listener = l
		ts.EnableHTTP2 = true
		ts.Config.ErrorLog = log.New(io.Discard, "", 0)
		ts.StartTLS()
		h2Transports.Store(l.Addr().String(), &h2RoundTripper{ts: ts})
		t.Cleanup(func() {
			h2Transports.Delete(l.Addr().String())
			ts.Close() // after the Shutdown below: cleanups run last first
		})
		done <- http.ErrServerClosed
	case st.http:
		hs = &http.Server{Handler: s, ErrorLog: log.New(io.Discard, "", 0)}
		go func() { done <- hs.Serve(l) }()
	default:
		go func() { done <- s.Serve(l) }()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		want := ErrServerClosed
		if st.h2 {
			want = http.ErrServerClosed
		}
		if hs != nil {
			hs.Shutdown(ctx)
			want = http.ErrServerClosed
		}
		if err := <-done; !errors.Is(err, want) {
			t.Errorf("Serve returned %v; want %v", err, want)
		}
	})
	return s, l.Addr().String()
}

// startHandler serves one handler value for every connection.
func startHandler(t testing.TB, st setup, h *funcHandler, opts Options) string {
	_, addr := start(t, st, func(*Upgrade) (Handler, error) { return h, nil }, opts)
	return addr
}

func dial(t testing.TB, addr string, protocols ...string) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, url := dialer(addr, "/")
	d.Protocols = protocols
	c, _, err := d.Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	c.NetConn().SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.NetConn().Close() })
	return c
}

// readClose reads until the server's close frame and returns its code.
func readClose(t *testing.T, c *client.Conn) frame.CloseCode {
	t.Helper()
	for {
		_, _, err := c.Read(context.Background())
		var ce *client.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		if err != nil {
			t.Fatalf("reading for a close frame: %v", err)
		}
	}
}

func readText(t *testing.T, c *client.Conn) string {
	t.Helper()
	op, data, err := c.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if op != frame.OpText && op != frame.OpBinary {
		t.Fatalf("Read: opcode %v", op)
	}
	return string(data)
}

// rawRequest sends a raw HTTP request and returns the status line and headers.
func rawRequest(t *testing.T, addr, req string) (string, string) {
	t.Helper()
	status, head, _ := sendRaw(t, addr, req)
	return status, head
}

// sendRaw sends req (which may carry frames after the request) and returns the response's
// status line and headers, and a reader positioned after them.
func sendRaw(t *testing.T, addr, req string) (string, string, *bufio.Reader) {
	t.Helper()
	nc, err := dialRaw(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("reading status: %v", err)
	}
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil || line == "\r\n" {
			break
		}
		head.WriteString(line)
	}
	return strings.TrimSpace(status), head.String(), br
}

func upgradeRequest(extra ...string) string {
	key, _ := handshake.NewKey()
	lines := []string{
		"GET /chat HTTP/1.1", "Host: example.com", "Upgrade: websocket", "Connection: Upgrade",
		"Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13",
	}
	return strings.Join(append(lines, extra...), "\r\n") + "\r\n\r\n"
}

// waitGoroutines waits until at most n goroutines run, and fails with a dump otherwise.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rawRequestThenRead sends req (which may carry frames after the request) and checks that
// an unmasked text frame with want comes back after the 101 response.
func rawRequestThenRead(t *testing.T, addr, req, want string) (string, string) {
	t.Helper()
	status, head, br := sendRaw(t, addr, req)
	wantFrame := frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: frame.OpText}, []byte(want))
	got := make([]byte, len(wantFrame))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != string(wantFrame) {
		t.Errorf("after the 101: %x, %v; want %x", got, err, wantFrame)
	}
	return status, head
}
