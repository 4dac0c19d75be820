package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// TestRequestInPieces: a request head that arrives in pieces, followed by a first frame, is
// answered the same as one that arrives whole (RFC 6455 §4.2.1 asks nothing of how the
// bytes are split), on both connection drivers.
func TestRequestInPieces(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		// A handler per connection: an echo handler's terminate waits for its reason to be read.
		_, addr := start(t, st, func(*Upgrade) (Handler, error) { return newHandler(), nil }, Options{})
		req := upgradeRequest()
		tests := []struct {
			name   string
			pieces []string
		}{
			{"whole", []string{req}},
			{"cut inside the request line", []string{req[:5], req[5:]}},
			{"cut before the final CRLF", []string{req[:len(req)-2], req[len(req)-2:]}},
			{"one byte, then the rest", []string{req[:1], req[1:]}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				nc, err := dialRaw(addr)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				nc.SetDeadline(time.Now().Add(5 * time.Second))
				for i, p := range tt.pieces {
					if i > 0 {
						time.Sleep(20 * time.Millisecond) // the server's first read finds only the first piece
					}
					if _, err := nc.Write([]byte(p)); err != nil {
						t.Fatal(err)
					}
				}
				msg := []byte("after " + tt.name)
				key := [4]byte{9, 8, 7, 6}
				masked := append([]byte(nil), msg...)
				frame.Mask(key, 0, masked)
				hdr := frame.Header{Fin: true, Opcode: frame.OpText, Masked: true, Mask: key, Length: int64(len(msg))}
				nc.Write(append(frame.AppendHeader(nil, hdr), masked...))
				buf := make([]byte, 4096)
				var got []byte
				want := "HTTP/1.1 101"
				echo := frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: frame.OpText}, msg)
				for !strings.HasSuffix(string(got), string(echo)) {
					n, err := nc.Read(buf)
					if err != nil {
						t.Fatalf("after %q: %v", got, err)
					}
					got = append(got, buf[:n]...)
				}
				if diff := cmp.Diff(want, string(got[:len(want)])); diff != "" {
					t.Errorf("status (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestRemoteAddr: the handler sees the client's own address, also once an event loop has
// taken the socket over from net.
func TestRemoteAddr(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		h := newHandler()
		got := make(chan string, 1)
		h.handle = func(c *Conn, f Frame) Result {
			got <- c.RemoteAddr().String()
			return OK()
		}
		c := dial(t, startHandler(t, st, h, Options{}))
		c.Write(context.Background(), frame.OpText, []byte("who"))
		select {
		case addr := <-got:
			if diff := cmp.Diff(c.NetConn().LocalAddr().String(), addr); diff != "" {
				t.Errorf("RemoteAddr (-client's address +server's view):\n%s", diff)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no message")
		}
	})
}

// TestRemoteAddrUnix: over a Unix socket, with a goroutine or an event loop, the handler
// sees the client's Unix address as net gives it: "@" for an unnamed socket (as clients'
// are, as a rule), else its name; and the echo works.
func TestRemoteAddrUnix(t *testing.T) {
	for _, loops := range []int{0, 1} {
		for _, named := range []bool{false, true} {
			t.Run(fmt.Sprintf("loops=%d/named=%v", loops, named), func(t *testing.T) {
				dir := t.TempDir()
				path, self := filepath.Join(dir, "ws.sock"), filepath.Join(dir, "client.sock")
				l, err := net.Listen("unix", path)
				if err != nil {
					t.Fatal(err)
				}
				type seen struct{ Network, Addr, Echo string }
				got := make(chan seen, 1)
				h := &funcHandler{handle: func(c *Conn, f Frame) Result {
					got <- seen{c.RemoteAddr().Network(), c.RemoteAddr().String(), ""}
					return Reply(f)
				}}
				s := New(func(*Upgrade) (Handler, error) { return h, nil }, Options{EventLoops: loops})
				go s.Serve(l)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				t.Cleanup(func() { s.Shutdown(ctx) })
				d := client.Dialer{NetDialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
					var laddr *net.UnixAddr
					if named {
						laddr = &net.UnixAddr{Name: self, Net: "unix"}
					}
					return net.DialUnix("unix", laddr, &net.UnixAddr{Name: path, Net: "unix"})
				}}
				c, _, err := d.Dial(ctx, "ws://unix/")
				if err != nil {
					t.Fatal(err)
				}
				defer c.NetConn().Close()
				if err := c.Write(ctx, frame.OpText, []byte("who")); err != nil {
					t.Fatal(err)
				}
				_, echo, err := c.Read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var v seen
				select {
				case v = <-got:
				case <-ctx.Done():
					t.Fatal("no message")
				}
				v.Echo = string(echo)
				want := seen{"unix", "@", "who"}
				if named {
					want.Addr = self
				}
				if diff := cmp.Diff(want, v); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestServeEndsWithListener: closing the listener without Shutdown ends Serve with
// net.ErrClosed, with or without event loops, and the port stops accepting.
func TestServeEndsWithListener(t *testing.T) {
	for _, loops := range []int{0, 1} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := New(func(*Upgrade) (Handler, error) { return newHandler(), nil }, Options{EventLoops: loops})
		done := make(chan error, 1)
		go func() { done <- s.Serve(l) }()
		c := dial(t, l.Addr().String()) // Serve is accepting
		c.NetConn().Close()
		l.Close()
		select {
		case err := <-done:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("loops=%d: Serve returned %v; want net.ErrClosed", loops, err)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("loops=%d: Serve still accepting after the listener closed", loops)
		}
		// Nothing listens on the address any more.
		if nc, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
			nc.Close()
			t.Errorf("loops=%d: the closed listener's port still accepts", loops)
		}
		s.Shutdown(t.Context())
	}
}

// failingListener's Accept fails with errs, one per call, before it accepts for real.
type failingListener struct {
	net.Listener
	mu   sync.Mutex
	errs []error
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		l.mu.Unlock()
		return nil, err
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

// TestServeOutlivesAcceptErrors: accept errors other than a closed listener (a process out
// of descriptors, a connection aborted before its accept) do not end Serve, with either
// driver behind it: it backs off, logs the burst once, and serves the next client. Only a
// closed listener ends it.
func TestServeOutlivesAcceptErrors(t *testing.T) {
	tests := []struct {
		name   string
		loops  int
		onLoop bool // the loop accepts from the listener itself; else Serve through net
	}{
		{"goroutine", 0, false},
		{"loop, net accepting (a wrapped listener)", 1, false},
		{"loop, the loop accepting", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testServeOutlivesAcceptErrors(t, tt.loops, tt.onLoop)
		})
	}
}

func testServeOutlivesAcceptErrors(t *testing.T, loops int, onLoop bool) {
	acceptErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errs := []error{
		acceptErr(syscall.EMFILE), acceptErr(syscall.EMFILE), acceptErr(syscall.ENFILE),
		acceptErr(syscall.ECONNABORTED), acceptErr(syscall.ENOBUFS),
	}
	var served net.Listener = &failingListener{Listener: l, errs: errs}
	if onLoop {
		failLoopAccepts(t, errs)
		served = l
	}
	logs := make(crashLog, 16)
	s := New(func(*Upgrade) (Handler, error) { return newHandler(), nil }, Options{Logger: slog.New(logs), EventLoops: loops})
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.Serve(served) }()
	c := dial(t, l.Addr().String())
	c.Write(context.Background(), frame.OpText, []byte("after the errors"))
	if got := readText(t, c); got != "after the errors" {
		t.Errorf("echo %q", got)
	}
	var levels []string
	for len(levels) < 2 {
		select {
		case r := <-logs:
			levels = append(levels, r.Level.String()+" "+r.Message)
		case <-time.After(5 * time.Second):
			t.Fatalf("log records %q; want a warning and an info", levels)
		}
	}
	want := []string{"WARN server: accept failed; retrying with backoff", "INFO server: accepting again"}
	if diff := cmp.Diff(want, levels); diff != "" {
		t.Errorf("one burst, one warning (-want +got):\n%s", diff)
	}
	c.NetConn().Close()
	l.Close() // closed by someone else than Shutdown: Serve returns the listener's error
	if err := <-serveErr; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve returned %v; want net.ErrClosed", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Shutdown(ctx)
}

// TestBareHandshakeBounds: on a bare listener, whether a goroutine or the event loop reads
// the request, its head is bounded in size (RFC 9112 §3: 414 for a request line too long;
// RFC 6585 §5: 431 for header fields) and in time (Options.HandshakeTimeout: the client is
// let go unanswered, however it trickles), a head larger than the default fits a raised
// HeaderLimits, and a client that ends its side inside its request is answered 400. The
// refusals are read whole although the client sent more than the server read.
func TestBareHandshakeBounds(t *testing.T) {
	big := strings.Repeat("a", 20<<10)
	raised := Options{HeaderLimits: handshake.Limits{MaxHeaderBytes: 64 << 10}}
	slow := Options{HandshakeTimeout: 300 * time.Millisecond}
	tests := []struct {
		name      string
		opts      Options
		pieces    []string // written one by one, each after the server has read the one before
		halfClose bool
		want      string // the status line; "" for none at all
	}{
		{"request line over MaxHeaderBytes: 414", Options{}, []string{"GET /" + big + " HTTP/1.1\r\n"}, false, "HTTP/1.1 414 Request URI Too Long"},
		{"header line over MaxHeaderBytes, no line end: 431", Options{}, []string{"GET / HTTP/1.1\r\nX-Big: " + big}, false, "HTTP/1.1 431 Request Header Fields Too Large"},
		{"40 KiB of header within a raised MaxHeaderBytes", raised, pieces(upgradeRequest("X-Big: "+big+big), 3), false, "HTTP/1.1 101 Switching Protocols"},
		{"cut short, then the client's side shut: 400", Options{}, []string{upgradeRequest()[:40]}, true, "HTTP/1.1 400 Bad Request"},
		{"silent after a line, past HandshakeTimeout: closed unanswered", slow, []string{"GET / HTTP/1.1\r\n"}, false, ""},
		{"a byte at a time, past HandshakeTimeout: closed unanswered", slow, pieces(upgradeRequest(), 40), false, ""},
	}
	for _, st := range setups {
		if st.http {
			continue // net/http reads the request there, under its own limits
		}
		t.Run(st.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, addr := start(t, st, func(*Upgrade) (Handler, error) { return newHandler(), nil }, tt.opts)
					nc, err := net.Dial("tcp", addr)
					if err != nil {
						t.Fatal(err)
					}
					defer nc.Close()
					nc.SetDeadline(time.Now().Add(5 * time.Second))
					got := make(chan string, 1)
					go func() {
						line, err := bufio.NewReader(nc).ReadString('\n') // "" at a close
						if ne, ok := err.(net.Error); ok && ne.Timeout() {
							line = "(still open after 5 s)"
						}
						got <- strings.TrimSuffix(line, "\r\n")
					}()
					for i, p := range tt.pieces {
						if i > 0 {
							// Not a synchronisation: pacing, so that the server reads the
							// pieces separately (the timeout cases need the total to
							// outlast HandshakeTimeout).
							time.Sleep(10 * time.Millisecond)
						}
						if _, err := nc.Write([]byte(p)); err != nil {
							break // the server may answer and close before the last piece
						}
					}
					if tt.halfClose {
						nc.(*net.TCPConn).CloseWrite()
					}
					if diff := cmp.Diff(tt.want, <-got); diff != "" {
						t.Errorf("status line (-want +got):\n%s", diff)
					}
				})
			}
		})
	}
}

// pieces cuts s into n pieces of about equal length.
func pieces(s string, n int) []string {
	var out []string
	for size := (len(s) + n - 1) / n; len(s) > 0; s = s[min(size, len(s)):] {
		out = append(out, s[:min(size, len(s))])
	}
	return out
}

// TestServeBurst: connections that wait together on the listener when Serve starts (with
// event loops, the loops take them from the listener themselves, two loops competing for
// them) are each upgraded once and see their own client's address, and those beyond
// MaxConnections are each answered 503, with either driver.
func TestServeBurst(t *testing.T) {
	const clients = 24
	for _, loops := range []int{0, 1, 2} {
		for _, maxConns := range []int{0, 10} {
			t.Run(fmt.Sprintf("loops=%d/MaxConnections=%d", loops, maxConns), func(t *testing.T) {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				conns := make([]net.Conn, clients)
				for i := range conns {
					if conns[i], err = net.Dial("tcp", l.Addr().String()); err != nil {
						t.Fatal(err)
					}
					defer conns[i].Close()
					conns[i].SetDeadline(time.Now().Add(5 * time.Second))
					if _, err := conns[i].Write([]byte(upgradeRequest())); err != nil {
						t.Fatal(err)
					}
				}
				s := New(func(*Upgrade) (Handler, error) {
					h := newHandler()
					h.handle = func(c *Conn, f Frame) Result { return Reply(Text([]byte(c.RemoteAddr().String()))) }
					return h, nil
				}, Options{EventLoops: loops, MaxConnections: maxConns, Logger: slog.New(slog.DiscardHandler)})
				done := make(chan error, 1)
				go func() { done <- s.Serve(l) }() // every client waits already
				defer func() {
					for _, nc := range conns {
						nc.Close()
					}
					s.Shutdown(t.Context())
					<-done
				}()
				type tally struct {
					Upgraded, Busy int
					Other          []string
				}
				var got tally
				for _, nc := range conns {
					br := bufio.NewReader(nc)
					status, head, err := readHead(br)
					switch {
					case err != nil:
						got.Other = append(got.Other, err.Error())
					case status == "HTTP/1.1 503 Service Unavailable" && strings.Contains(head, "Retry-After: 1"):
						got.Busy++
					case status == "HTTP/1.1 101 Switching Protocols":
						nc.Write(clientFrame(frame.OpText, []byte("who")))
						var hdr [2]byte
						io.ReadFull(br, hdr[:])
						addr := make([]byte, hdr[1]&0x7f)
						io.ReadFull(br, addr)
						if string(addr) == nc.LocalAddr().String() {
							got.Upgraded++
						} else {
							got.Other = append(got.Other, fmt.Sprintf("RemoteAddr %q for %s", addr, nc.LocalAddr()))
						}
					default:
						got.Other = append(got.Other, status)
					}
				}
				want := tally{Upgraded: clients}
				if maxConns > 0 {
					want = tally{Upgraded: maxConns, Busy: clients - maxConns}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("clients (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// readHead reads a response head from br: its status line and its header lines.
func readHead(br *bufio.Reader) (status, head string, err error) {
	if status, err = br.ReadString('\n'); err != nil {
		return "", "", err
	}
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", "", err
		}
		if line == "\r\n" {
			return strings.TrimSpace(status), b.String(), nil
		}
		b.WriteString(line)
	}
}

// TestShutdownDropsHandshakes: a client of a bare listener still sending its upgrade request
// when Shutdown comes is let go unanswered at once, not after HandshakeTimeout, while
// Shutdown still waits for an upgraded connection, with either driver.
func TestShutdownDropsHandshakes(t *testing.T) {
	for _, st := range setups {
		if st.http {
			continue
		}
		t.Run(st.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s := New(func(*Upgrade) (Handler, error) { return newHandler(), nil },
				Options{EventLoops: st.loops, HandshakeTimeout: time.Minute, Logger: slog.New(slog.DiscardHandler)})
			served := make(chan error, 1)
			go func() { served <- s.Serve(l) }()
			partial, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer partial.Close()
			if _, err := partial.Write([]byte("GET /chat HTTP/1.1\r\nHost: example.com\r\n")); err != nil {
				t.Fatal(err)
			}
			// A second client that upgrades in full was accepted after the first (the accept
			// queue is first in, first out), so the server has taken the first one too. It
			// stays open: Shutdown waits for it.
			upgraded, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer upgraded.Close()
			upgraded.SetDeadline(time.Now().Add(5 * time.Second))
			upgraded.Write([]byte(upgradeRequest()))
			if status, _, err := readHead(bufio.NewReader(upgraded)); status != "HTTP/1.1 101 Switching Protocols" {
				t.Fatalf("second client: %q, %v", status, err)
			}
			shutdown := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				shutdown <- s.Shutdown(ctx)
			}()
			partial.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, err := io.ReadAll(partial)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the client's connection still open 5 s after Shutdown (HandshakeTimeout is a minute)")
			}
			if diff := cmp.Diff("", string(got)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			upgraded.Close() // now Shutdown can end
			if err := <-shutdown; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if err := <-served; !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve returned %v; want ErrServerClosed", err)
			}
		})
	}
}
