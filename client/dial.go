package client

import (
	"bufio"
	"context"
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

// Dialer opens client connections. The zero value dials with the default limits, no
// subprotocol and no compression.
type Dialer struct {
	// Config configures each connection's engine; its Role and Extension are set by the
	// dialer.
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
}

// Dial opens a client connection to a ws:// URL. It returns the connection and what the server accepted.
func (d *Dialer) Dial(ctx context.Context, rawURL string) (*Conn, *handshake.ClientResult, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	if u.Scheme != "ws" {
		return nil, nil, fmt.Errorf("client: Dial supports ws:// URLs only, not %q", u.Scheme)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, nil, err
	}
	c, res, err := d.handshake(ctx, nc, u.Host, u.RequestURI())
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return c, res, nil
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
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
		defer nc.SetDeadline(time.Time{})
	}
	if _, err := nc.Write(handshake.AppendClientRequest(nil, cr)); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(nc)
	res, err := handshake.ReadResponse(br, handshake.Limits{}, cr)
	if err != nil {
		return nil, nil, err
	}
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
			return nil, nil, err
		}
		cfg.Codec = deflate.NewCodec(p, d.Deflate, frame.RoleClient)
	}
	buffered, _ := br.Peek(br.Buffered())
	return newConn(nc, cfg, buffered), res, nil
}

// Dial opens a client connection to a ws:// URL with cfg and the given subprotocols offered;
// it is Dialer.Dial for the common case.
func Dial(ctx context.Context, rawURL string, cfg ws.Config, protocols ...string) (*Conn, *handshake.ClientResult, error) {
	d := Dialer{Config: cfg, Protocols: protocols}
	return d.Dial(ctx, rawURL)
}
