package handshake

import (
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/bronco-ws/bronco/internal/httptoken"
	"github.com/bronco-ws/bronco/ws/extension"
)

// Response is what a server accepts of a [Request]: at most one subprotocol, the extensions it
// will use, and any extra header fields (Set-Cookie, say) for the 101 response.
type Response struct {
	// Protocol is the chosen subprotocol, "" for none (RFC 6455 §4.2.2 /subprotocol/).
	Protocol string
	// Extensions are the accepted extensions with their response parameters, in the order
	// they apply to outgoing data (RFC 6455 §9.1).
	Extensions []extension.Extension
	// Header holds extra fields. Fields the handshake itself writes (Upgrade, Connection,
	// Sec-WebSocket-*) and framing fields (Content-Length, Transfer-Encoding) are ignored.
	Header http.Header
}

// Validate reports whether resp is a legal answer to req under RFC 6455 §4.2.2 step 4: the
// subprotocol is one the client offered, every extension is one it offered, and every field
// can be written. [AppendResponse] leaves out what fails here, so call Validate first.
func (resp Response) Validate(req *Request) error {
	if resp.Protocol != "" && !slices.Contains(req.Protocols, resp.Protocol) {
		return newError(0, nameProtocol, "subprotocol not offered", ErrInvalidResponse)
	}
	for _, ext := range resp.Extensions {
		if !offered(req.Extensions, ext.Name) {
			return newError(0, nameExtensions, "extension "+strconv.Quote(ext.Name)+" not offered", ErrInvalidResponse)
		}
	}
	if !extension.Valid(resp.Extensions) {
		return newError(0, nameExtensions, "not expressible in RFC 6455 §9.1 grammar", ErrInvalidResponse)
	}
	if name, ok := checkExtraFields(resp.Header); !ok {
		return newError(0, name, "reserved or invalid field", ErrInvalidResponse)
	}
	return nil
}

func offered(exts []extension.Extension, name string) bool {
	for _, e := range exts {
		if e.Name == name {
			return true
		}
	}
	return false
}

// AppendResponse appends the server's opening handshake (RFC 6455 §4.2.2 step 5) accepting
// req to dst: the 101 status line, Upgrade, Connection, Sec-WebSocket-Accept computed from
// req.Key, the optional Sec-WebSocket-Protocol and one Sec-WebSocket-Extensions line, the
// extra fields of resp.Header in sorted order, and the empty line that ends the head.
// A Protocol that is not a token and fields that [Response.Validate] rejects for their form
// are left out, so the output is always a well-formed head.
func AppendResponse(dst []byte, req *Request, resp Response) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"...)
	dst = append(dst, nameAccept+": "...)
	dst = appendAcceptKey(dst, req.Key)
	dst = append(dst, "\r\n"...)
	if httptoken.IsToken(resp.Protocol) {
		dst = append(dst, nameProtocol+": "...)
		dst = append(dst, resp.Protocol...)
		dst = append(dst, "\r\n"...)
	}
	// One line only: RFC 6455 §11.3.2 forbids repeating the header in a response.
	if start := len(dst); len(resp.Extensions) > 0 {
		dst = append(dst, nameExtensions+": "...)
		before := len(dst)
		dst = extension.Append(dst, resp.Extensions)
		if len(dst) == before {
			dst = dst[:start] // nothing writable: no header rather than an empty one
		} else {
			dst = append(dst, "\r\n"...)
		}
	}
	dst = appendExtraFields(dst, resp.Header)
	return append(dst, "\r\n"...)
}

// HTTP2Header adds to h the fields of the 200 (RFC 8441 §5) that answers an HTTP/2 request
// FromHTTP accepted: the subprotocol, the extensions and the extra fields, as
// [AppendResponse] writes them, but no Upgrade, Connection or Sec-WebSocket-Accept, which
// HTTP/2 does not use.
func (resp Response) HTTP2Header(h http.Header) {
	if httptoken.IsToken(resp.Protocol) {
		h.Set(nameProtocol, resp.Protocol)
	}
	if ext := extension.Append(nil, resp.Extensions); len(ext) > 0 {
		h.Set(nameExtensions, string(ext))
	}
	for name, values := range resp.Header {
		if writableField(name, values) {
			for _, v := range values {
				h.Add(name, trimOWS(v))
			}
		}
	}
}

// AppendErrorResponse appends a complete HTTP/1.1 response refusing a handshake to dst:
// the status line, Connection: close, a text/plain body of reason (or the status text when
// reason is ""), its Content-Length, and the extra fields in sorted order. A 426 carries
// Sec-WebSocket-Version: 13 (RFC 6455 §4.2.2 /version/) and a 405 carries Allow: GET
// (RFC 9110 §15.5.6). Extra fields the response writes itself, or that cannot be written,
// are left out.
func AppendErrorResponse(dst []byte, status int, reason string, extra http.Header) []byte {
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	if reason == "" {
		reason = text
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, text...)
	dst = append(dst, "\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"...)
	switch status {
	case http.StatusUpgradeRequired:
		dst = append(dst, nameVersion+": 13\r\n"...)
	case http.StatusMethodNotAllowed:
		dst = append(dst, "Allow: GET\r\n"...)
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(reason)+1), 10)
	dst = append(dst, "\r\n"...)
	dst = appendExtraFields(dst, extra)
	dst = append(dst, "\r\n"...)
	dst = append(dst, reason...)
	return append(dst, '\n')
}

// reservedFields are written by this package itself or would change how the rest of the
// connection is framed, so extra headers may not set them.
var reservedFields = map[string]bool{
	"Upgrade": true, "Connection": true, "Content-Length": true, "Transfer-Encoding": true,
	"Content-Type": true, "Allow": true, "X-Content-Type-Options": true,
	keyAccept: true, keyProtocol: true, keyExtensions: true, keyKey: true, keyVersion: true,
	keyHost: true, keyOrigin: true,
}

// writableField reports whether name: value can be written as an extra field.
func writableField(name string, values []string) bool {
	if !httptoken.IsToken(name) || reservedFields[http.CanonicalHeaderKey(name)] {
		return false
	}
	for _, v := range values {
		if !httptoken.IsFieldValue(v) {
			return false
		}
	}
	return true
}

// checkExtraFields returns the first field name, in sorted order, that cannot be written.
func checkExtraFields(h http.Header) (string, bool) {
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if !writableField(name, h[name]) {
			return name, false
		}
	}
	return "", true
}

// appendExtraFields writes h sorted by name so the output is deterministic.
func appendExtraFields(dst []byte, h http.Header) []byte {
	if len(h) == 0 {
		return dst
	}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if !writableField(name, h[name]) {
			continue
		}
		for _, v := range h[name] {
			dst = append(dst, name...)
			dst = append(dst, ": "...)
			dst = append(dst, trimOWS(v)...)
			dst = append(dst, "\r\n"...)
		}
	}
	return dst
}
