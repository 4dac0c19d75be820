package frame

// Error is a violation of RFC 6455 found in the frames a peer sent. Code is the close code
// the connection must be failed with (RFC 6455 §7.4.1); the sentinels below are all *Error,
// so errors.Is and errors.As both work.
type Error struct {
	Code CloseCode
	msg  string
}

func (e *Error) Error() string { return e.msg }

// CloseCode returns the code the connection must be closed with.
func (e *Error) CloseCode() CloseCode { return e.Code }

// NewError returns an *Error with the given close code and message, for layers above this
// package (the connection engine, extensions) that find violations of their own.
func NewError(code CloseCode, msg string) *Error { return &Error{code, msg} }

// Errors a peer's frames can cause. Each carries the close code of RFC 6455 §7.4.1.
var (
	ErrReservedBits        = &Error{CloseProtocolError, "frame: reserved bit set without a negotiated extension"}
	ErrReservedOpcode      = &Error{CloseProtocolError, "frame: reserved opcode"}
	ErrControlFragmented   = &Error{CloseProtocolError, "frame: fragmented control frame"}
	ErrControlTooLong      = &Error{CloseProtocolError, "frame: control frame payload longer than 125 bytes"}
	ErrLengthOverflow      = &Error{CloseProtocolError, "frame: 64-bit payload length with the most significant bit set"}
	ErrLengthNotMinimal    = &Error{CloseProtocolError, "frame: payload length not in its minimal encoding"}
	ErrUnmasked            = &Error{CloseProtocolError, "frame: unmasked frame from a client"}
	ErrMasked              = &Error{CloseProtocolError, "frame: masked frame from a server"}
	ErrUnexpectedContinue  = &Error{CloseProtocolError, "frame: continuation frame with no message in progress"}
	ErrExpectedContinue    = &Error{CloseProtocolError, "frame: new data frame while a fragmented message is in progress"}
	ErrRSVOnContinuation   = &Error{CloseProtocolError, "frame: extension bit set on a continuation frame"}
	ErrRSVOnControl        = &Error{CloseProtocolError, "frame: extension bit set on a control frame"}
	ErrFrameTooBig         = &Error{CloseMessageTooBig, "frame: payload larger than the configured limit"}
	ErrCloseLength         = &Error{CloseProtocolError, "frame: close payload of 1 byte"}
	ErrCloseCode           = &Error{CloseProtocolError, "frame: close code not allowed on the wire"}
	ErrCloseReasonEncoding = &Error{CloseInvalidPayload, "frame: close reason is not valid UTF-8"}
)
