package ws

import (
	"errors"

	"github.com/bronco-ws/bronco/ws/frame"
)

// Errors the engine finds in a peer's messages, beyond the frame-level ones of package frame.
// Each is a *frame.Error of the kind its comment names.
var (
	// ErrInvalidUTF8 is of kind frame.ErrBadEncoding (1007).
	ErrInvalidUTF8 = frame.NewError(frame.ErrBadEncoding, "ws: text message is not valid UTF-8")
	// ErrMessageTooBig is of kind frame.ErrBadSize (1009): the message's frames together
	// exceed Config.MaxMessageSize.
	ErrMessageTooBig = frame.NewError(frame.ErrBadSize, "ws: message larger than the configured limit")
)

// Errors of the caller: a frame asked of an Append method that may not be sent. They are not
// protocol errors and wrap no kind.
var (
	// ErrCloseSent: RFC 6455 §5.5.1 allows one close frame per endpoint.
	ErrCloseSent = errors.New("ws: close frame already sent")
	// ErrControlPayloadTooLong: a ping, pong or close payload over 125 bytes (RFC 6455 §5.5).
	ErrControlPayloadTooLong = errors.New("ws: control frame payload over 125 bytes")
	// ErrUnsendableCode: a close code that may not appear on the wire (RFC 6455 §7.4.2).
	ErrUnsendableCode = errors.New("ws: close code may not be sent")
)
