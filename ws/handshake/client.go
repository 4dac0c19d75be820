package handshake

import (
	"bufio"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bronco-ws/bronco/internal/httptoken"
	"github.com/bronco-ws/bronco/ws/extension"
)

// ClientRequest is what a client puts in its opening handshake (RFC 6455 §4.1).
type ClientRequest struct {
	Host   string // the authority, with ":port" when not the default
	Target string // the resource name, such as "/chat?x=1"; "" means "/"
	Origin string // sent when not "" (browsers always send it)
	// Key is the Sec-WebSocket-Key, normally from [NewKey]; [ReadResponse] checks the
	// server's accept value against it.
	Key        string
	Protocols  []string              // subprotocols offered, most preferred first
	Extensions []extension.Extension // extensions offered, most preferred first
	// Header holds extra fields such as Authorization or Cookie. Fields the handshake writes
	// itself are ignored.
	Header http.Header
}

// Validate reports whether cr can be sent as it is: Host is an authority, Target a resource
// name without a fragment (RFC 6455 §3), Key base64 of 16 bytes (§4.1 step 7), Protocols
// unique tokens (§4.1 step 10), Extensions and extra fields writable. [AppendClientRequest]
// leaves out what fails here, so call Validate first.
func (cr ClientRequest) Validate() error {
	bad := func(header, reason string) error {
		return newError(0, header, reason, ErrInvalidClientRequest)
	}
	if checkHost(cr.Host, 1) != nil {
		return bad(keyHost, "not an authority")
	}
	if t := cr.Target; t != "" && (!strings.HasPrefix(t, "/") || !isTarget(t)) {
		return bad("", "target is not a resource name")
	}
	if !httptoken.IsFieldValue(cr.Origin) {
		return bad(keyOrigin, "invalid value")
	}
	if !isKey(cr.Key) {
		return bad(nameKey, "not base64 of 16 bytes")
	}
	for _, p := range cr.Protocols {
		if !httptoken.IsToken(p) {
			return bad(nameProtocol, "subprotocol is not a token")
		}
	}
	if hasDuplicate(cr.Protocols) {
		return bad(nameProtocol, "repeated subprotocol")
	}
	if !extension.Valid(cr.Extensions) {
		return bad(nameExtensions, "not expressible in RFC 6455 §9.1 grammar")
	}
	if name, ok := checkExtraFields(cr.Header); !ok {
		return bad(name, "reserved or invalid field")
	}
	return nil
}

// isTarget reports whether t holds only visible ASCII and no fragment.
func isTarget(t string) bool {
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f || t[i] == '#' {
			return false
		}
	}
	return true
}

// AppendClientRequest appends the client's opening handshake (RFC 6455 §4.1) to dst: a GET
// request line, Host, Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version: 13, the
// optional Origin, Sec-WebSocket-Protocol and Sec-WebSocket-Extensions, the extra fields in
// sorted order, and the empty line. Values that [ClientRequest.Validate] rejects for their
// form are left out (a bad Target becomes "/"), so the output is always a well-formed head.
func AppendClientRequest(dst []byte, cr ClientRequest) []byte {
	target := cr.Target
	if !strings.HasPrefix(target, "/") || !isTarget(target) {
		target = "/"
	}
	dst = append(dst, "GET "...)
	dst = append(dst, target...)
	dst = append(dst, " HTTP/1.1\r\n"...)
	if httptoken.IsFieldValue(cr.Host) {
		dst = appendField(dst, keyHost, cr.Host)
	}
	dst = append(dst, "Upgrade: websocket\r\nConnection: Upgrade\r\n"...)
	if httptoken.IsFieldValue(cr.Key) {
		dst = appendField(dst, nameKey, cr.Key)
	}
	dst = append(dst, nameVersion+": 13\r\n"...)
	if cr.Origin != "" && httptoken.IsFieldValue(cr.Origin) {
		dst = appendField(dst, keyOrigin, cr.Origin)
	}
	if len(cr.Protocols) > 0 {
		start := len(dst)
		dst = append(dst, nameProtocol+": "...)
		n := 0
		for _, p := range cr.Protocols {
			if !httptoken.IsToken(p) {
				continue
			}
			if n > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, p...)
			n++
		}
		if n == 0 {
			dst = dst[:start]
		} else {
			dst = append(dst, "\r\n"...)
		}
	}
	if len(cr.Extensions) > 0 {
		start := len(dst)
		dst = append(dst, nameExtensions+": "...)
		before := len(dst)
		if dst = extension.Append(dst, cr.Extensions); len(dst) == before {
			dst = dst[:start]
		} else {
			dst = append(dst, "\r\n"...)
		}
	}
	dst = appendExtraFields(dst, cr.Header)
	return append(dst, "\r\n"...)
}

func appendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// ClientResult is what the server agreed to in a valid 101 response.
type ClientResult struct {
	Protocol   string                // the subprotocol in use, "" for none
	Extensions []extension.Extension // the extensions in use, in the order they apply
	Header     http.Header           // every response header line under its canonical key
}

// ReadResponse reads the server's answer to cr from br and validates it as RFC 6455 §4.1
// asks of a client: status 101, Upgrade websocket, Connection Upgrade, the accept value for
// cr.Key, a subprotocol and extensions only from those offered, and none of the
// Sec-WebSocket-Accept, -Protocol or -Extensions lines repeated (§11.3). Bytes after the head,
// the server's first frames, stay buffered in br.
//
// Failures are [*Error] values whose Status is the status the server sent. A status other
// than 101 gives [ErrBadStatus] together with a ClientResult carrying the response headers,
// so the caller can follow a redirect or answer an authentication challenge (§4.1 step 1);
// the response body, if any, is left unread in br.
func ReadResponse(br *bufio.Reader, lim Limits, cr ClientRequest) (*ClientResult, error) {
	head, n, err := readHead(br, lim, false)
	if err != nil {
		if he, ok := err.(*Error); ok {
			he.Status = 0 // no status line was read
		}
		return nil, err
	}
	line, fields, _ := strings.Cut(head, "\r\n")
	status, ok := parseStatusLine(line)
	if !ok {
		return nil, newError(0, "", "malformed status line", ErrMalformed)
	}
	res := &ClientResult{Header: parseFields(fields, n)}
	if status != http.StatusSwitchingProtocols {
		return res, newError(status, "", "server answered "+strconv.Itoa(status)+" instead of 101", ErrBadStatus)
	}
	if err := res.validate(cr); err != nil {
		return nil, err
	}
	return res, nil
}

// parseStatusLine parses "HTTP/1.1 101 Switching Protocols" (RFC 9112 §4). The reason phrase
// may be empty, and so may its leading space, which some servers drop.
func parseStatusLine(line string) (int, bool) {
	proto, rest, ok := strings.Cut(line, " ")
	if major, _, vok := parseHTTPVersion(proto); !ok || !vok || major != 1 {
		return 0, false
	}
	code, reason, _ := strings.Cut(rest, " ")
	if len(code) != 3 || !isDigit(code[0]) || !isDigit(code[1]) || !isDigit(code[2]) || code[0] == '0' {
		return 0, false
	}
	if !httptoken.IsFieldValue(reason) {
		return 0, false
	}
	status, _ := strconv.Atoi(code)
	return status, true
}

func (res *ClientResult) validate(cr ClientRequest) error {
	const status = http.StatusSwitchingProtocols
	h := res.Header
	// RFC 6455 §4.1 step 2: the value must match "websocket", not merely contain it.
	if up := h[keyUpgrade]; len(up) != 1 || !strings.EqualFold(up[0], "websocket") {
		return newError(status, keyUpgrade, "not websocket", ErrBadUpgrade)
	}
	if !hasToken(h[keyConnection], "upgrade") {
		return newError(status, keyConnection, "no Upgrade token", ErrBadConnection)
	}
	switch accept := h[keyAccept]; {
	case len(accept) == 0:
		return newError(status, nameAccept, "missing", ErrBadAccept)
	case len(accept) > 1:
		return newError(status, nameAccept, "repeated", ErrBadAccept)
	case accept[0] != AcceptKey(cr.Key):
		return newError(status, nameAccept, "does not match the key", ErrBadAccept)
	}
	return res.checkChoices(cr, status)
}

// checkChoices checks the subprotocol and the extensions the server chose against the
// offers, the same over HTTP/1.1 and HTTP/2.
func (res *ClientResult) checkChoices(cr ClientRequest, status int) error {
	h := res.Header
	switch protos := h[keyProtocol]; {
	case len(protos) > 1:
		return newError(status, nameProtocol, "repeated", ErrBadProtocols)
	case len(protos) == 1:
		// Sec-WebSocket-Protocol-Server = token (RFC 6455 §4.3).
		if !httptoken.IsToken(protos[0]) {
			return newError(status, nameProtocol, "not a single token", ErrBadProtocols)
		}
		if !slices.Contains(cr.Protocols, protos[0]) {
			return newError(status, nameProtocol, "server chose a subprotocol that was not offered", ErrUnofferedProtocol)
		}
		res.Protocol = protos[0]
	}
	exts := h[keyExtensions]
	if len(exts) > 1 {
		return newError(status, nameExtensions, "repeated", ErrBadExtensions)
	}
	parsed, err := parseExtensions(exts, status)
	if err != nil {
		return err
	}
	for _, ext := range parsed {
		if !offered(cr.Extensions, ext.Name) {
			return newError(status, nameExtensions, "server accepted "+strconv.Quote(ext.Name)+", which was not offered", ErrUnofferedExtension)
		}
	}
	res.Extensions = parsed
	return nil
}
