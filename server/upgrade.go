package server

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bronco-ws/bronco/ws/handshake"
)

// Upgrade is what InitFunc sees and sets: the upgrade request, and the choices that
// Cowboy's init/2 makes through its return value and Req.
type Upgrade struct {
	// Request is the validated upgrade request.
	Request *handshake.Request

	// HTTPRequest is the net/http request when the server is mounted as an http.Handler,
	// and nil on a bare listener.
	HTTPRequest *http.Request

	// Header holds extra response headers for the 101 response.
	Header http.Header

	// IdleTimeout overrides Options.IdleTimeout for this connection (0 keeps it).
	// It is fixed once the connection is upgraded, as in Cowboy.
	IdleTimeout time.Duration

	// Hibernate puts the connection to sleep right after the upgrade (Cowboy's
	// {cowboy_websocket, Req, State, hibernate}).
	Hibernate bool

	// Compress, MaxFrameSize, MaxMessageSize and SkipUTF8Validation start as the server's
	// options and may be changed for this connection.
	Compress                     bool
	MaxFrameSize, MaxMessageSize int64
	SkipUTF8Validation           bool

	protocol string
}

// Protocols returns the subprotocols the client offered, in its order of preference.
func (u *Upgrade) Protocols() []string { return u.Request.Protocols }

// SelectProtocol sends p back in Sec-WebSocket-Protocol. p must be one of the client's
// offers (RFC 6455 §4.2.2); SelectProtocol reports whether it was.
func (u *Upgrade) SelectProtocol(p string) bool {
	for _, o := range u.Request.Protocols {
		if o == p {
			u.protocol = p
			return true
		}
	}
	return false
}

// check makes what InitFunc chose into a response the handshake can send: a
// Sec-WebSocket-Protocol set in Header (the literal translation of Cowboy's
// cowboy_req:set_resp_header) selects that subprotocol if the client offered it. Anything
// else the handshake writes itself, or a subprotocol the client did not offer, is an error:
// the upgrade is refused with 500 rather than answered without it.
func (u *Upgrade) check() error {
	const protocolField = "Sec-Websocket-Protocol"
	if v, ok := u.Header[protocolField]; ok {
		if len(v) != 1 || !u.SelectProtocol(strings.TrimSpace(v[0])) {
			return fmt.Errorf("server: InitFunc set Sec-WebSocket-Protocol %q, which the client did not offer (RFC 6455 §4.2.2)", v)
		}
		delete(u.Header, protocolField)
	}
	return handshake.Response{Protocol: u.protocol, Header: u.Header}.Validate(u.Request)
}

// RefusalError is an HTTP response that refuses an upgrade; make it with Refuse.
type RefusalError struct {
	Status int
	Body   string
	Header http.Header
}

func (e *RefusalError) Error() string {
	return fmt.Sprintf("server: upgrade refused with %d %s", e.Status, http.StatusText(e.Status))
}

// Refuse returns an error that, returned from InitFunc, answers the upgrade request with
// status and body instead of switching protocols (Cowboy's {ok, Req, State} after
// cowboy_req:reply).
func Refuse(status int, body string) *RefusalError {
	return &RefusalError{Status: status, Body: body}
}
