package handshake

import (
	"errors"
	"strconv"
)

// Errors a server meets while reading a client's opening handshake. Each reaches the caller
// wrapped in an [*Error] that carries the HTTP status to answer with, so
// errors.Is(err, ErrBadVersion) picks the kind and errors.As gives the status.
var (
	// ErrMalformed means the request line, status line or a header line breaks the
	// HTTP/1.1 message syntax of RFC 9112 (400).
	ErrMalformed = errors.New("handshake: malformed HTTP message")
	// ErrTooLarge means the head exceeded [Limits]: 414 when the request line alone is too
	// long, 431 otherwise.
	ErrTooLarge = errors.New("handshake: head too large")
	// ErrBadProto means an HTTP version below 1.1 or a major version above 1 (505).
	ErrBadProto = errors.New("handshake: unsupported HTTP version")
	// ErrBadMethod means a method other than GET (405).
	ErrBadMethod = errors.New("handshake: method not GET")
	// ErrBody means a request that announces a body (a Content-Length other than 0, or
	// Transfer-Encoding), or its Content-Length fields cannot be read or disagree (RFC 9112
	// §6.3): an upgrade request has none (400).
	ErrBody = errors.New("handshake: upgrade request with a body")
	// ErrBadTarget means a request-target that names no resource (400).
	ErrBadTarget = errors.New("handshake: bad request-target")
	// ErrBadHost means a missing, repeated or invalid Host header (400).
	ErrBadHost = errors.New("handshake: bad Host")
	// ErrBadUpgrade means the Upgrade header lacks the websocket token (400).
	ErrBadUpgrade = errors.New("handshake: bad Upgrade")
	// ErrBadConnection means the Connection header lacks the Upgrade token (400).
	ErrBadConnection = errors.New("handshake: bad Connection")
	// ErrBadVersion means Sec-WebSocket-Version is missing or not 13 (426), or repeated (400).
	ErrBadVersion = errors.New("handshake: bad Sec-WebSocket-Version")
	// ErrMissingKey means no Sec-WebSocket-Key header (400).
	ErrMissingKey = errors.New("handshake: missing Sec-WebSocket-Key")
	// ErrBadKey means a repeated Sec-WebSocket-Key, or one that is not base64 of 16 bytes (400).
	ErrBadKey = errors.New("handshake: bad Sec-WebSocket-Key")
	// ErrBadOrigin means more than one Origin header (400).
	ErrBadOrigin = errors.New("handshake: bad Origin")
	// ErrBadProtocols means a Sec-WebSocket-Protocol list that is not 1#token of unique
	// tokens (400).
	ErrBadProtocols = errors.New("handshake: bad Sec-WebSocket-Protocol")
	// ErrBadExtensions means a Sec-WebSocket-Extensions value outside the grammar of
	// RFC 6455 §9.1 (400).
	ErrBadExtensions = errors.New("handshake: bad Sec-WebSocket-Extensions")
)

// Errors a client meets while reading the server's response, and errors for arguments that
// would produce an invalid handshake. In an [*Error] from [ReadResponse], Status is the status
// code the server sent, or 0 if no status line was read.
var (
	// ErrBadStatus means the server answered with a status other than 101.
	ErrBadStatus = errors.New("handshake: status not 101")
	// ErrBadAccept means Sec-WebSocket-Accept is missing, repeated or does not match the key.
	ErrBadAccept = errors.New("handshake: bad Sec-WebSocket-Accept")
	// ErrUnofferedProtocol means the server chose a subprotocol the client did not offer.
	ErrUnofferedProtocol = errors.New("handshake: subprotocol not offered")
	// ErrUnofferedExtension means the server accepted an extension the client did not offer.
	ErrUnofferedExtension = errors.New("handshake: extension not offered")
	// ErrInvalidClientRequest means a [ClientRequest] that cannot be sent as is.
	ErrInvalidClientRequest = errors.New("handshake: invalid client request")
	// ErrInvalidResponse means a [Response] that does not answer its [Request].
	ErrInvalidResponse = errors.New("handshake: invalid response")
)

// Error is a failed handshake. It names the header field at fault and the HTTP status that goes
// with the failure, and unwraps to one of the package's sentinel errors.
type Error struct {
	// Status is the HTTP status a server should answer with; in errors from [ReadResponse]
	// it is the status the server sent instead; 0 when there is none.
	Status int
	// Field is the name of the header field at fault, "" if the fault is not in one field.
	Field string
	// Reason says what is wrong, in a few words suitable for a response body.
	Reason string
	// Err is the sentinel for this kind of failure, such as [ErrBadKey].
	Err error
}

// Error formats e as "handshake: 400 Sec-WebSocket-Key: not 16 bytes".
func (e *Error) Error() string {
	b := append([]byte("handshake: "), strconv.Itoa(e.Status)...)
	b = append(b, ' ')
	if e.Field != "" {
		b = append(b, e.Field...)
		b = append(b, ": "...)
	}
	b = append(b, e.Reason...)
	return string(b)
}

// Unwrap returns the sentinel, so errors.Is(err, ErrBadKey) matches.
func (e *Error) Unwrap() error { return e.Err }

func newError(status int, field, reason string, kind error) *Error {
	return &Error{Status: status, Field: field, Reason: reason, Err: kind}
}
