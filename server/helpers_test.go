package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws"
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
}

var setups = []setup{
	{"bare/goroutine", false, 0},
	{"bare/loop", false, 1},
	{"http/goroutine", true, 0},
	{"http/loop", true, 1},
}

// each runs f once per setup, as subtests.
func each(t *testing.T, f func(t *testing.T, st setup)) {
	t.Helper()
	for _, st := range setups {
		t.Run(st.name, func(t *testing.T) { f(t, st) })
	}
}

// start serves init on a loopback listener, the way st says, until the test ends.
func start(t *testing.T, st setup, init InitFunc, opts Options) (*Server, string) {
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
	if st.http {
		hs = &http.Server{Handler: s, ErrorLog: log.New(io.Discard, "", 0)}
		go func() { done <- hs.Serve(l) }()
	} else {
		go func() { done <- s.Serve(l) }()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		want := ErrServerClosed
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
func startHandler(t *testing.T, st setup, h *funcHandler, opts Options) string {
	_, addr := start(t, st, func(*Upgrade) (Handler, error) { return h, nil }, opts)
	return addr
}

func dial(t *testing.T, addr string, protocols ...string) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := client.Dial(ctx, "ws://"+addr+"/", ws.Config{}, protocols...)
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
	nc, err := net.Dial("tcp", addr)
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
