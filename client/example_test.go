package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// startEcho serves the echo handler on a loopback listener and returns its ws:// URL.
func startEcho() (string, func()) {
	srv := server.New(func(*server.Upgrade) (server.Handler, error) { return echo{}, nil }, server.Options{})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	return "ws://" + l.Addr().String() + "/", func() { srv.Shutdown(context.Background()) }
}

func ExampleDial() {
	url, stop := startEcho()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := client.Dial(ctx, url, ws.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Write(ctx, frame.OpText, []byte("hello"))
	op, data, err := c.Read(ctx)
	fmt.Println(op, string(data), err)
	peer, err := c.Close(frame.CloseNormal, "done")
	fmt.Println("server answered", peer.Code, err)
	// Output:
	// text hello <nil>
	// server answered 1000 (normal closure) <nil>
}

// A message is written and read as a stream: neither side holds it whole.
func ExampleConn_Reader() {
	url, stop := startEcho()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := client.Dial(ctx, url, ws.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(frame.CloseNormal, "")
	w, _ := c.Writer(ctx, frame.OpText)
	io.Copy(w, strings.NewReader(strings.Repeat("streamed ", 10000))) // 90 000 bytes, in 32 KiB frames
	w.Close()
	_, r, _ := c.Reader(ctx)
	n, err := io.Copy(io.Discard, r)
	fmt.Println(n, err)
	// Output: 90000 <nil>
}

// Ping measures a round trip while another goroutine reads, as a reader must for the pong to
// be seen; OnPong shows every pong.
func ExampleConn_Ping() {
	url, stop := startEcho()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pongs := 0
	d := client.Dialer{OnPong: func([]byte) { pongs++ }}
	c, _, err := d.Dial(ctx, url)
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { _, _, err := c.Read(ctx); done <- err }()
	rtt, err := c.Ping(ctx)
	fmt.Println(rtt > 0, err)
	peer, _ := c.Close(frame.CloseGoingAway, "")
	fmt.Println(peer.Code, <-done, pongs)
	// Output:
	// true <nil>
	// 1001 (going away) client: closed by peer: 1001 (going away) "" 1
}

// wss:// verifies the server against the system roots, or the roots a TLS config gives, as
// here for a test server's certificate.
func ExampleDialer_tls() {
	srv := server.New(func(*server.Upgrade) (server.Handler, error) { return echo{}, nil }, server.Options{})
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	d := client.Dialer{TLSConfig: &tls.Config{RootCAs: roots}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := d.Dial(ctx, "wss://"+ts.Listener.Addr().String()+"/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(frame.CloseNormal, "")
	c.Write(ctx, frame.OpText, []byte("secret"))
	_, data, _ := c.Read(ctx)
	fmt.Printf("%s over %T\n", data, c.NetConn())
	// Output: secret over *tls.Conn
}

// A Dialer takes the environment's proxy (HTTPS_PROXY for wss://, HTTP_PROXY for ws://,
// NO_PROXY) unless told otherwise: here a fixed proxy with credentials, reached with
// CONNECT. A refusal is a *ProxyError with the proxy's status and headers.
func ExampleDialer_proxy() {
	proxy, _ := url.Parse("http://user:password@proxy.internal:3128")
	d := client.Dialer{Proxy: http.ProxyURL(proxy)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := d.Dial(ctx, "wss://example.com/feed"); err != nil {
		var pe *client.ProxyError
		if errors.As(err, &pe) {
			fmt.Println("proxy refused:", pe.Status, pe.Header.Get("Proxy-Authenticate"))
		}
	}
}
