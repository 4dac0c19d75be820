package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// connect opens the TCP connection for u: straight to addr, or through the proxy the Dialer's
// Proxy (or the environment) picks, with a CONNECT tunnel to addr.
func (d *Dialer) connect(ctx context.Context, u *url.URL, addr string, secure bool) (net.Conn, error) {
	proxy, err := d.proxyFor(u, secure)
	if err != nil {
		return nil, err
	}
	if proxy == nil {
		return d.dialTCP(ctx, addr)
	}
	var proxyAddr string
	switch proxy.Scheme {
	case "http":
		proxyAddr = hostPort(proxy, false)
	case "https":
		proxyAddr = hostPort(proxy, true)
	default:
		return nil, fmt.Errorf("client: proxy scheme %q is not supported (http and https are)", proxy.Scheme)
	}
	nc, err := d.dialTCP(ctx, proxyAddr)
	if err != nil {
		return nil, err
	}
	if proxy.Scheme == "https" {
		tc := tls.Client(nc, d.tlsConfig(proxy.Hostname()))
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	if err := tunnel(ctx, nc, proxy, addr); err != nil {
		nc.Close()
		return nil, err
	}
	return nc, nil
}

// proxyFor asks the Dialer's Proxy, or the environment, which proxy serves u. The question
// is put as net/http puts it, with the http(s) scheme that ws(s) stands for (RFC 6455 §3).
func (d *Dialer) proxyFor(u *url.URL, secure bool) (*url.URL, error) {
	pick := d.Proxy
	if pick == nil {
		pick = http.ProxyFromEnvironment
	}
	hu := *u
	hu.Scheme = "http"
	if secure {
		hu.Scheme = "https"
	}
	return pick(&http.Request{Method: http.MethodGet, URL: &hu, Host: u.Host, Header: http.Header{}})
}

// ProxyError is a proxy's refusal to open a tunnel: its status line's code and the headers
// it sent (Proxy-Authenticate, for example).
type ProxyError struct {
	Status int
	Header http.Header
}

func (e *ProxyError) Error() string {
	return fmt.Sprintf("client: proxy answered CONNECT with %d %s", e.Status, http.StatusText(e.Status))
}

// tunnel asks the proxy on nc for a tunnel to addr (RFC 9110 §9.3.6) and reads its answer.
// Only a 2xx opens the tunnel. The proxy must not send bytes past its answer before the
// client speaks, so none are lost with the reader.
func tunnel(ctx context.Context, nc net.Conn, proxy *url.URL, addr string) error {
	release := bind(ctx, nc)
	done := false
	defer func() {
		if !done {
			release()
		}
	}()
	var req strings.Builder
	fmt.Fprintf(&req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", addr, addr)
	if user := proxy.User; user != nil {
		pass, _ := user.Password()
		cred := base64.StdEncoding.EncodeToString([]byte(user.Username() + ":" + pass))
		fmt.Fprintf(&req, "Proxy-Authorization: Basic %s\r\n", cred)
	}
	req.WriteString("\r\n")
	if _, err := nc.Write([]byte(req.String())); err != nil {
		return ctxErr(ctx, err)
	}
	br := bufio.NewReaderSize(nc, 1024)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		return ctxErr(ctx, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return &ProxyError{Status: resp.StatusCode, Header: resp.Header}
	}
	if br.Buffered() > 0 {
		return fmt.Errorf("client: proxy sent %d bytes after its 2xx to CONNECT", br.Buffered())
	}
	if done = true; !release() {
		return ctxErr(ctx, errors.New("tunnel opened too late")) // the caller closes nc
	}
	return nil
}
