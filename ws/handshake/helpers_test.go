package handshake_test

import (
	"errors"
	"net/http"
	"strings"

	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// errCase is what a test wants of an error: the status and header the *Error carries and the
// sentinel errors.Is finds in it.
type (
	ext   = extension.Extension
	param = extension.Param
)

type errCase struct {
	Status int
	Header string
	Kind   string
}

var sentinels = []struct {
	err  error
	name string
}{
	{handshake.ErrMalformed, "ErrMalformed"},
	{handshake.ErrTooLarge, "ErrTooLarge"},
	{handshake.ErrBadProto, "ErrBadProto"},
	{handshake.ErrBadMethod, "ErrBadMethod"},
	{handshake.ErrBody, "ErrBody"},
	{handshake.ErrBadTarget, "ErrBadTarget"},
	{handshake.ErrBadHost, "ErrBadHost"},
	{handshake.ErrBadUpgrade, "ErrBadUpgrade"},
	{handshake.ErrBadConnection, "ErrBadConnection"},
	{handshake.ErrBadVersion, "ErrBadVersion"},
	{handshake.ErrMissingKey, "ErrMissingKey"},
	{handshake.ErrBadKey, "ErrBadKey"},
	{handshake.ErrBadOrigin, "ErrBadOrigin"},
	{handshake.ErrBadProtocols, "ErrBadProtocols"},
	{handshake.ErrBadExtensions, "ErrBadExtensions"},
	{handshake.ErrBadStatus, "ErrBadStatus"},
	{handshake.ErrBadAccept, "ErrBadAccept"},
	{handshake.ErrUnofferedProtocol, "ErrUnofferedProtocol"},
	{handshake.ErrUnofferedExtension, "ErrUnofferedExtension"},
	{handshake.ErrInvalidClientRequest, "ErrInvalidClientRequest"},
	{handshake.ErrInvalidResponse, "ErrInvalidResponse"},
}

// describe projects err onto an errCase through errors.As and errors.Is, the way callers
// are meant to inspect it; nil stays nil.
func describe(err error) *errCase {
	if err == nil {
		return nil
	}
	var he *handshake.Error
	if !errors.As(err, &he) {
		return &errCase{Kind: "untyped: " + err.Error()}
	}
	c := &errCase{Status: he.Status, Header: he.Field}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			if c.Kind != "" {
				c.Kind += "+"
			}
			c.Kind += s.name
		}
	}
	return c
}

// The opening handshake of RFC 6455 §1.2, the base that request rows vary.
const (
	exampleKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	exampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

var exampleLines = []string{
	"Host: server.example.com",
	"Upgrade: websocket",
	"Connection: Upgrade",
	"Sec-WebSocket-Key: " + exampleKey,
	"Origin: http://example.com",
	"Sec-WebSocket-Protocol: chat, superchat",
	"Sec-WebSocket-Version: 13",
}

// head joins a start line and header lines into a head with CRLF line ends.
func head(start string, lines ...string) string {
	return start + "\r\n" + strings.Join(append(lines, ""), "\r\n") + "\r\n"
}

// example returns the RFC 6455 §1.2 request with the header lines named in drop left out
// and extra lines added at the end.
func example(drop []string, extra ...string) string {
	return exampleWithLine("GET /chat HTTP/1.1", drop, extra...)
}

func exampleWithLine(start string, drop []string, extra ...string) string {
	var lines []string
next:
	for _, l := range exampleLines {
		name, _, _ := strings.Cut(l, ":")
		for _, d := range drop {
			if strings.EqualFold(name, d) {
				continue next
			}
		}
		lines = append(lines, l)
	}
	return head(start, append(lines, extra...)...)
}

// exampleRequest is what ReadRequest makes of example(nil); edit applies a row's changes.
func exampleRequest(edit func(r *handshake.Request)) *handshake.Request {
	r := &handshake.Request{
		Method:    "GET",
		Target:    "/chat",
		Proto:     "HTTP/1.1",
		Host:      "server.example.com",
		Origin:    "http://example.com",
		Key:       exampleKey,
		Protocols: []string{"chat", "superchat"},
		Header: http.Header{
			"Upgrade":                {"websocket"},
			"Connection":             {"Upgrade"},
			"Sec-Websocket-Key":      {exampleKey},
			"Origin":                 {"http://example.com"},
			"Sec-Websocket-Protocol": {"chat, superchat"},
			"Sec-Websocket-Version":  {"13"},
		},
	}
	if edit != nil {
		edit(r)
	}
	return r
}
