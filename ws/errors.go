package ws

import (
	"errors"

	"github.com/bronco-ws/bronco/ws/frame"
)

// Errors the engine finds in a peer's messages, beyond the frame-level ones of package frame.
// Each is a *frame.Error carrying its RFC 6455 §7.4.1 close code.
var (
	ErrInvalidUTF8      = frame.NewError(frame.CloseInvalidPayload, "ws: text message is not valid UTF-8")
	ErrMessageTooBig    = frame.NewError(frame.CloseMessageTooBig, "ws: message larger than the configured limit")
	ErrUnexpectedRSV    = frame.NewError(frame.CloseProtocolError, "ws: reserved bit set but no extension accepts it")
	ErrClosed           = errors.New("ws: connection closed")
	ErrCloseSent        = errors.New("ws: close frame already sent")
	ErrControlTooLong   = errors.New("ws: control frame payload longer than 125 bytes")
	ErrCloseCodeInvalid = errors.New("ws: close code may not be sent")
)

// CloseCoder is implemented by errors that decide the close code of the connection they end.
type CloseCoder interface {
	CloseCode() frame.CloseCode
}

// CloseCodeOf returns the close code a connection failed by err must send: the code carried
// by err (see [CloseCoder]) or 1011 (internal error) for any other error. It is the single
// place that maps errors to close codes.
func CloseCodeOf(err error) frame.CloseCode {
	var cc CloseCoder
	if errors.As(err, &cc) {
		return cc.CloseCode()
	}
	return frame.CloseInternalError
}
