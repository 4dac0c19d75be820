package server

import (
	"net/url"
	"strings"

	"github.com/bronco-ws/bronco/ws/handshake"
)

// SameOrigin is the default origin policy: a request without an Origin header passes (it
// does not come from a browser, RFC 6455 §10.2), and one with an Origin passes only if the
// Origin's host (with port) equals the Host header, case-insensitively.
func SameOrigin(r *handshake.Request) bool {
	if r.Origin == "" {
		return true
	}
	u, err := url.Parse(r.Origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// AnyOrigin accepts every Origin. Use it only for endpoints that carry no ambient credentials
// (cookies, HTTP auth), since any web page can then open a connection as its visitor.
func AnyOrigin(*handshake.Request) bool { return true }
