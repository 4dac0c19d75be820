package client_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// echo is a server handler that sends back what it gets, and pings when told to.
type echo struct{}

func (echo) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	switch {
	case f.Op == frame.OpText && string(f.Data) == "ping me":
		return server.Reply(server.Ping([]byte("from server")), server.Text([]byte("pinged")))
	case f.Op == frame.OpText && string(f.Data) == "close 4000":
		return server.Reply(server.CloseFrame(4000, "bye"))
	case f.Op == frame.OpText || f.Op == frame.OpBinary:
		return server.Reply(server.Frame{Op: f.Op, Data: f.Data})
	}
	return server.OK()
}

func (echo) WebsocketInfo(*server.Conn, any) server.Result { return server.OK() }

// newEcho serves echo on net/http, plain or with TLS, and refuses paths it does not know
// the way a real server would: 403 with a header, or a redirect.
func newEcho(t *testing.T, secure bool) *httptest.Server {
	t.Helper()
	srv := server.New(func(u *server.Upgrade) (server.Handler, error) {
		switch u.Request.Target {
		case "/forbidden":
			r := server.Refuse(http.StatusForbidden, "no")
			r.Header = http.Header{"X-Why": {"token expired"}}
			return nil, r
		case "/moved":
			r := server.Refuse(http.StatusMovedPermanently, "")
			r.Header = http.Header{"Location": {"/elsewhere"}}
			return nil, r
		}
		return echo{}, nil
	}, server.Options{})
	var ts *httptest.Server
	if secure {
		ts = httptest.NewTLSServer(srv)
	} else {
		ts = httptest.NewServer(srv)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()); ts.Close() })
	return ts
}

func wsURL(ts *httptest.Server, path string) string {
	return strings.Replace(ts.URL, "http", "ws", 1) + path
}

// trusting returns a TLS config that trusts ts's certificate only.
func trusting(ts *httptest.Server) *tls.Config {
	pool := x509.NewCertPool()
	if cert := ts.Certificate(); cert != nil {
		pool.AddCert(cert)
	}
	return &tls.Config{RootCAs: pool}
}

func roundTrip(t *testing.T, c *client.Conn, msg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, frame.OpText, []byte(msg)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return string(data)
}

// TestDialWSS: wss:// is TLS with the URL's host as server name, verified against the roots
// the TLS config gives (the system's when it gives none, which refuses a test certificate).
func TestDialWSS(t *testing.T) {
	ts := newEcho(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := (&client.Dialer{}).Dial(ctx, wsURL(ts, "/")); err == nil {
		t.Fatal("wss:// to a self-signed server verified against the system roots")
	} else if cerr := (*tls.CertificateVerificationError)(nil); !errors.As(err, &cerr) {
		t.Fatalf("wss:// to a self-signed server: %v; want a certificate verification error", err)
	}
	d := client.Dialer{TLSConfig: trusting(ts)}
	c, _, err := d.Dial(ctx, wsURL(ts, "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(frame.CloseNormal, "")
	if _, ok := c.NetConn().(*tls.Conn); !ok {
		t.Errorf("wss:// connection is a %T; want *tls.Conn", c.NetConn())
	}
	if got := roundTrip(t, c, "over TLS"); got != "over TLS" {
		t.Errorf("echo %q", got)
	}
}

// TestDialRefused: a status other than 101 is not followed (RFC 6455 §4.1: the client may
// follow a redirect, so the choice is the caller's); the status and headers come back.
func TestDialRefused(t *testing.T) {
	ts := newEcho(t, false)
	tests := []struct {
		path   string
		status int
		header string
		value  string
	}{
		{"/forbidden", http.StatusForbidden, "X-Why", "token expired"},
		{"/moved", http.StatusMovedPermanently, "Location", "/elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, res, err := client.Dial(ctx, wsURL(ts, tt.path), ws.Config{})
			var he *handshake.Error
			if c != nil || !errors.As(err, &he) || !errors.Is(err, handshake.ErrBadStatus) {
				t.Fatalf("Dial: %v, %v; want a *handshake.Error matching ErrBadStatus", c, err)
			}
			if res == nil {
				t.Fatal("no ClientResult beside the error: the response's headers are lost")
			}
			got := []any{he.Status, res.Header.Get(tt.header)}
			if diff := cmp.Diff([]any{tt.status, tt.value}, got); diff != "" {
				t.Errorf("status and %s (-want +got):\n%s", tt.header, diff)
			}
		})
	}
}

// TestDialBadURL: only ws:// and wss:// URLs without a fragment dial (RFC 6455 §3).
func TestDialBadURL(t *testing.T) {
	for _, u := range []string{"http://example.com/", "ftp://x/", "ws://example.com/#frag", "::"} {
		if _, _, err := client.Dial(context.Background(), u, ws.Config{}); err == nil {
			t.Errorf("Dial(%q) succeeded", u)
		}
	}
}

// connectProxy is an HTTP CONNECT proxy (RFC 9110 §9.3.6) for tests: it checks Basic
// credentials when it has some and pipes bytes both ways.
type connectProxy struct {
	l    net.Listener
	user string // "name:password", or "" for none
}

func newConnectProxy(t *testing.T, user string) *connectProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{l: l, user: user}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); p.serve(nc) }()
		}
	}()
	return p
}

func (p *connectProxy) serve(nc net.Conn) {
	defer nc.Close()
	br := bufio.NewReader(nc)
	req, err := http.ReadRequest(br)
	if err != nil || req.Method != http.MethodConnect {
		io.WriteString(nc, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
		return
	}
	if p.user != "" && req.Header.Get("Proxy-Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(p.user)) {
		io.WriteString(nc, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", req.Host)
	if err != nil {
		io.WriteString(nc, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
		return
	}
	defer up.Close()
	io.WriteString(nc, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	go func() { io.Copy(up, br); up.(*net.TCPConn).CloseWrite(); close(done) }()
	io.Copy(nc, up)
	nc.(*net.TCPConn).CloseWrite() // the server's close reaches the client, as a FIN
	<-done
}

// TestDialProxy: Proxy picks the proxy as http.Transport.Proxy does, asked with the http(s)
// scheme ws(s) stands for; the tunnel is a CONNECT with the proxy URL's credentials; a
// refusal comes back as a *ProxyError with the proxy's headers; NetDialContext opens the
// TCP connection, to the proxy when there is one.
func TestDialProxy(t *testing.T) {
	plain, secure := newEcho(t, false), newEcho(t, true)
	open := newConnectProxy(t, "")
	locked := newConnectProxy(t, "ann:s3cret")
	tests := []struct {
		name       string
		target     *httptest.Server
		proxy      string // proxy URL; "" for none
		wantScheme string // the scheme Proxy is asked with
		wantErr    int    // the proxy's refusal status, 0 for success
	}{
		{"no proxy", plain, "", "http", 0},
		{"ws:// through a proxy", plain, "http://" + open.l.Addr().String(), "http", 0},
		{"wss:// through a proxy", secure, "http://" + open.l.Addr().String(), "https", 0},
		{"credentials from the proxy URL", plain, "http://ann:s3cret@" + locked.l.Addr().String(), "http", 0},
		{"missing credentials: 407", plain, "http://" + locked.l.Addr().String(), "http", http.StatusProxyAuthRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []string
			var dialed []string
			d := client.Dialer{
				TLSConfig: trusting(tt.target),
				Proxy: func(r *http.Request) (*url.URL, error) {
					asked = append(asked, r.URL.Scheme)
					if tt.proxy == "" {
						return nil, nil
					}
					return url.Parse(tt.proxy)
				},
				NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					dialed = append(dialed, addr)
					var nd net.Dialer
					return nd.DialContext(ctx, network, addr)
				},
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, _, err := d.Dial(ctx, wsURL(tt.target, "/"))
			wantDial := tt.target.Listener.Addr().String()
			if tt.proxy != "" {
				u, _ := url.Parse(tt.proxy)
				wantDial = u.Host
			}
			if diff := cmp.Diff([]any{[]string{tt.wantScheme}, []string{wantDial}}, []any{asked, dialed}); diff != "" {
				t.Errorf("proxy asked with, addresses dialed (-want +got):\n%s", diff)
			}
			if tt.wantErr != 0 {
				var pe *client.ProxyError
				if !errors.As(err, &pe) || pe.Status != tt.wantErr || pe.Header.Get("Proxy-Authenticate") == "" {
					t.Fatalf("Dial: %v; want a *ProxyError %d with Proxy-Authenticate", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(frame.CloseNormal, "")
			if got := roundTrip(t, c, "tunnelled"); got != "tunnelled" {
				t.Errorf("echo %q", got)
			}
		})
	}
}
