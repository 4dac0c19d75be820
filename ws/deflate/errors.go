package deflate

import (
	"errors"
	"strconv"

	"github.com/bronco-ws/bronco/ws/frame"
)

// CloseError is an error that ends a connection with a close frame: Code is
// the RFC 6455 §7.4 status code the engine should send. Match the sentinel
// values with [errors.Is] and read the code with [errors.As] or [CloseCode].
type CloseError struct {
	code int
	msg  string
}

// Code returns the RFC 6455 §7.4.1 status code the connection closes with.
func (e *CloseError) Code() int { return e.code }

// CloseCode returns the same code typed as a close code, which is what the ws engine reads
// (ws.CloseCoder) to fail the connection with it.
func (e *CloseError) CloseCode() frame.CloseCode { return frame.CloseCode(e.code) }

// Error returns the message, prefixed "deflate: ".
func (e *CloseError) Error() string { return e.msg }

// Errors of the per-message codec. Both are *CloseError values; the errors
// returned by [Decoder.AppendDecompress] wrap one of them with detail.
var (
	// ErrMessageTooBig reports a message whose inflated size exceeds the
	// limit given to [Decoder.AppendDecompress]; close code 1009.
	ErrMessageTooBig = &CloseError{code: 1009, msg: "deflate: inflated message exceeds the size limit"}

	// ErrCorrupt reports a payload that is not a valid DEFLATE stream, or one
	// that refers back farther than the negotiated window; close code 1007.
	ErrCorrupt = &CloseError{code: 1007, msg: "deflate: corrupt compressed payload"}
)

// Errors of negotiation and configuration. The errors returned by
// [CheckResponse] and [Config.Validate] wrap one of them with detail.
var (
	// ErrResponse reports a server response the client must not accept
	// (RFC 7692 §7): the client fails the WebSocket connection.
	ErrResponse = errors.New("deflate: unacceptable permessage-deflate response")

	// ErrConfig reports a Config value outside its documented range.
	ErrConfig = errors.New("deflate: invalid config")
)

// CloseCode returns the close code carried by err, or 0 if err carries none.
func CloseCode(err error) int {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code()
	}
	return 0
}

// detailError adds context to one of the sentinels above while keeping it
// reachable through errors.Is and errors.As.
type detailError struct {
	base   error
	detail string
}

func (e *detailError) Error() string { return e.base.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.base }

func wrap(base error, detail string) error { return &detailError{base: base, detail: detail} }

func quote(s string) string { return strconv.Quote(s) }
