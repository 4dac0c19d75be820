package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// Dialer opens client connections. The zero value dials ws:// and wss:// URLs with the
// default limits, TLS verified against the system roots, proxies chosen from the environment
// as net/http chooses them, no subprotocol and no compression.
type Dialer struct {
	// Config configures each connection's engine; its Role and Codec are set by the dialer.
	Config ws.Config

	// Protocols are the subprotocols offered, in order of preference.
	Protocols []string

	// Origin and Header are sent with the upgrade request.
	Origin string
	Header http.Header

	// Compress offers permessage-deflate, tuned by Deflate, and uses it when the server
	// accepts it (RFC 7692).
	Compress bool
	Deflate  deflate.Config

	// TLSConfig configures wss:// connections (and https:// proxies). nil verifies the
	// server against the system roots; a config without ServerName gets the URL's host.
	TLSConfig *tls.Config

	// Proxy returns the proxy for a request, as http.Transport.Proxy does: nil uses
	// http.ProxyFromEnvironment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY; loopback is never
	// proxied). A nil URL means no proxy. http:// and https:// proxies are reached with
	// CONNECT (RFC 9110 §9.3.6), with Basic credentials from the proxy URL's user info.
	Proxy func(*http.Request) (*url.URL, error)

	// NetDialContext opens the TCP connection to the server or the proxy; nil uses a
	// net.Dialer.
	NetDialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// HTTP2, when set, opens each connection as an extended CONNECT (RFC 8441) on an
	// HTTP/2 connection of this round tripper instead of an HTTP/1.1 upgrade on a TCP
	// connection of its own: the sockets a Dialer opens to one server then share one TCP
	// (and TLS) connection. It must send the :protocol pseudo-header, which net/http's
	// Transport refuses (Go 1.26); golang.org/x/net/http2's Transport sends it: for wss://
	// over TLS, for ws:// over h2c (AllowHTTP with a plain DialTLSContext). TLSConfig, Proxy
	// and NetDialContext are then the round tripper's, not the Dialer's. The server must
	// advertise extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL), or Dial fails.
	HTTP2 http.RoundTripper

	// OnPing and OnPong, when set, are called with the payload of each ping and pong the
	// server sends, on the goroutine that reads, before the read returns. The engine has
	// already answered the ping. The payload is valid only during the call.
	OnPing, OnPong func(payload []byte)
}

// Dial opens a client connection to a ws:// or wss:// URL (RFC 6455 §3) and returns it with
// what the server agreed to. ctx bounds the dial, the proxy and the handshake. When the
// server answers with another status than 101 (a redirect, 401, 403), Dial does not follow
// it: the error is a *handshake.Error whose Status is the server's, and the ClientResult is
// returned beside it with the response's headers (Location, WWW-Authenticate, ...).
func (d *Dialer) Dial(ctx context.Context, rawURL string) (*Conn, *handshake.ClientResult, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	secure := false
	switch u.Scheme {
	case "ws":
	case "wss":
		secure = true
	default:
		return nil, nil, fmt.Errorf("client: Dial needs a ws:// or wss:// URL, not %q", u.Scheme)
	}
	if u.Fragment != "" {
		return nil, nil, fmt.Errorf("client: a WebSocket URL has no fragment (RFC 6455 §3): %q", rawURL)
	}
	if d.HTTP2 != nil {
		return d.dialHTTP2(ctx, u, secure)
	}
	addr := hostPort(u, secure)
	nc, err := d.connect(ctx, u, addr, secure)
	if err != nil {
		return nil, nil, err
	}
	if secure {
		tc := tls.Client(nc, d.tlsConfig(u.Hostname()))
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, nil, err
		}
		nc = tc
	}
	c, res, err := d.handshake(ctx, nc, u.Host, u.RequestURI())
	if err != nil {
		nc.Close()
		return nil, res, err
	}
	return c, res, nil
}

// hostPort is the URL's host with its port, the scheme's default when it has none.
func hostPort(u *url.URL, secure bool) string {
	if u.Port() != "" {
		return u.Host
	}
	if secure {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

func (d *Dialer) tlsConfig(serverName string) *tls.Config {
	cfg := &tls.Config{}
	if d.TLSConfig != nil {
		cfg = d.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = serverName
	}
	return cfg
}

func (d *Dialer) dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	if d.NetDialContext != nil {
		return d.NetDialContext(ctx, "tcp", addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, "tcp", addr)
}

// handshake performs the client's opening handshake (RFC 6455 §4.1) over nc, for host and
// request target, and returns the connection.
func (d *Dialer) handshake(ctx context.Context, nc net.Conn, host, target string) (*Conn, *handshake.ClientResult, error) {
	key, err := handshake.NewKey()
	if err != nil {
		return nil, nil, err
	}
	cr := handshake.ClientRequest{Host: host, Target: target, Origin: d.Origin, Key: key, Protocols: d.Protocols, Header: d.Header}
	if d.Compress {
		cr.Extensions = []extension.Extension{deflate.Offer(d.Deflate)}
	}
	release := bind(ctx, nc)
	done := false
	defer func() {
		if !done {
			release()
		}
	}()
	if _, err := nc.Write(handshake.AppendClientRequest(nil, cr)); err != nil {
		return nil, nil, ctxErr(ctx, err)
	}
	br := bufio.NewReader(nc)
	res, err := handshake.ReadResponse(br, handshake.Limits{}, cr)
	if err != nil {
		return nil, res, ctxErr(ctx, err)
	}
	cfg, err := d.engineConfig(res)
	if err != nil {
		return nil, res, err
	}
	if done = true; !release() {
		// ctx ended as the handshake did: the socket has, or is about to get, a deadline
		// in the past, so it cannot serve the connection.
		nc.Close()
		return nil, res, ctxErr(ctx, errors.New("handshake done too late"))
	}
	buffered, _ := br.Peek(br.Buffered())
	c := newConn(nc, cfg, buffered)
	c.onPing, c.onPong = d.OnPing, d.OnPong
	return c, res, nil
}

// engineConfig is the engine's configuration for what the server agreed to.
func (d *Dialer) engineConfig(res *handshake.ClientResult) (ws.Config, error) {
	cfg := d.Config
	cfg.Role = frame.RoleClient
	cfg.Codec = nil
	for _, ext := range res.Extensions {
		if ext.Name != deflate.ExtensionName {
			continue
		}
		p, err := deflate.CheckResponse(ext, d.Deflate)
		if err != nil {
			// RFC 7692 §5: a response the client did not offer fails the connection.
			return cfg, err
		}
		cfg.Codec = deflate.NewCodec(p, d.Deflate, frame.RoleClient)
	}
	return cfg, nil
}

// bind puts ctx on nc for a step of the dial: its deadline, and an interruption when it ends
// early. release takes both off again and reports whether nc is usable: false when ctx ended
// meanwhile, since its interruption may still land on nc after release returns.
func bind(ctx context.Context, nc net.Conn) (release func() bool) {
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(aLongTimeAgo) })
	return func() bool {
		if !stop() {
			return false
		}
		nc.SetDeadline(time.Time{})
		return true
	}
}

// aLongTimeAgo is a deadline in the past: setting it interrupts a blocked read or write.
var aLongTimeAgo = time.Unix(1, 0)

// ctxErr prefers the context's error to the i/o error its cancellation caused.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", context.Cause(ctx), err)
	}
	return err
}

// Dial opens a client connection to a ws:// or wss:// URL with cfg and the given
// subprotocols offered; it is Dialer.Dial for the common case.
func Dial(ctx context.Context, rawURL string, cfg ws.Config, protocols ...string) (*Conn, *handshake.ClientResult, error) {
	d := Dialer{Config: cfg, Protocols: protocols}
	return d.Dial(ctx, rawURL)
}
