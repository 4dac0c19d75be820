package ws

import (
	"bufio"
	"context"
	"net"
	"net/url"
	"time"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// Dial opens a client connection to a ws:// URL (wss:// needs a TLS net.Conn: use Client).
// cfg.Role is set to the client role.
func Dial(ctx context.Context, rawURL string, cfg Config, protocols ...string) (*Conn, *handshake.ClientResult, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, nil, err
	}
	target := u.RequestURI()
	c, res, err := Client(ctx, nc, handshake.ClientRequest{Host: u.Host, Target: target, Protocols: protocols}, cfg)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return c, res, nil
}

// Client performs the client's opening handshake over nc (RFC 6455 §4.1) and returns the
// connection. cr.Key is filled in with a fresh random key when empty.
func Client(ctx context.Context, nc net.Conn, cr handshake.ClientRequest, cfg Config) (*Conn, *handshake.ClientResult, error) {
	if cr.Key == "" {
		k, err := handshake.NewKey()
		if err != nil {
			return nil, nil, err
		}
		cr.Key = k
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
		defer nc.SetDeadline(noDeadline)
	}
	if _, err := nc.Write(handshake.AppendClientRequest(nil, cr)); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(nc)
	res, err := handshake.ReadResponse(br, handshake.Limits{}, cr)
	if err != nil {
		return nil, nil, err
	}
	buffered, _ := br.Peek(br.Buffered())
	cfg.Role = frame.RoleClient
	return NewConn(nc, cfg, buffered), res, nil
}

var noDeadline time.Time
