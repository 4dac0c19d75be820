package client

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"

	"github.com/bronco-ws/bronco/internal/h2conn"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// dialHTTP2 opens the WebSocket as an extended CONNECT (RFC 8441) on an HTTP/2 connection of
// d.HTTP2, and runs the connection over the stream as over a socket (internal/h2conn).
func (d *Dialer) dialHTTP2(ctx context.Context, u *url.URL, secure bool) (*Conn, *handshake.ClientResult, error) {
	scheme := "http"
	if secure {
		scheme = "https"
	}
	cr := handshake.ClientRequest{Host: u.Host, Target: u.RequestURI(), Origin: d.Origin, Protocols: d.Protocols, Header: d.Header}
	if d.Compress {
		cr.Extensions = []extension.Extension{deflate.Offer(d.Deflate)}
	}
	// The request's context is the stream's for its whole life; ctx bounds the dial only.
	// The trace learns the HTTP/2 connection's addresses, which NetConn reports.
	local, remote := net.Addr(stringAddr("")), net.Addr(stringAddr(u.Host))
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		local, remote = info.Conn.LocalAddr(), info.Conn.RemoteAddr()
	}}
	streamCtx, cancel := context.WithCancel(httptrace.WithClientTrace(context.WithoutCancel(ctx), trace))
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(streamCtx, http.MethodConnect,
		(&url.URL{Scheme: scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}).String(), pr)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	req.Header = cr.HTTP2Header()
	type answer struct {
		resp *http.Response
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := d.HTTP2.RoundTrip(req)
		answered <- answer{resp, err}
	}()
	var a answer
	select {
	case a = <-answered:
	case <-ctx.Done():
		cancel()
		if a = <-answered; a.err == nil {
			a.resp.Body.Close()
		}
		return nil, nil, ctx.Err()
	}
	if a.err != nil {
		cancel()
		return nil, nil, fmt.Errorf("client: extended CONNECT (RFC 8441): %w", a.err)
	}
	res, err := handshake.CheckHTTP2Response(a.resp.StatusCode, a.resp.Header, cr)
	if err != nil {
		a.resp.Body.Close()
		cancel()
		return nil, res, err
	}
	cfg, err := d.engineConfig(res)
	if err != nil {
		a.resp.Body.Close()
		cancel()
		return nil, res, err
	}
	w := h2conn.NewPipeWriter(pw)
	nc := h2conn.New(h2conn.Stream{
		Body:             a.resp.Body,
		Write:            w.Write,
		SetWriteDeadline: w.SetDeadline,
		Close: func() error {
			w.Close()           // END_STREAM
			a.resp.Body.Close() // and no more reading: a reset if the server had more
			cancel()
			return nil
		},
		Local:  local,
		Remote: remote,
	})
	nc.Start()
	c := newConn(nc, cfg, nil)
	c.onPing, c.onPong = d.OnPing, d.OnPong
	return c, res, nil
}

// stringAddr is an address known only by its text: the server's authority over HTTP/2,
// where the connection is the transport's.
type stringAddr string

func (a stringAddr) Network() string { return "tcp" }
func (a stringAddr) String() string  { return string(a) }
