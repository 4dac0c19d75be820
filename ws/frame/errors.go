package frame

import "errors"

// Kind is one class of protocol error, with the close code a connection failed by it sends
// (RFC 6455 §7.4.1). Every protocol error that fails an open connection wraps one Kind,
// whichever bronco package finds it; handshake errors carry an HTTP status instead. Match it
// with errors.Is against the five values below and read its code with
// [CloseCodeOf]. The kinds are Cowboy's terminate reasons badframe, badencoding and badsize,
// plus policy and extension failures.
type Kind struct {
	code CloseCode
	name string
}

// Error returns the kind's name, for example "bad size".
func (k *Kind) Error() string { return k.name }

// The kinds of protocol error, each with its close code.
var (
	// ErrBadFrame: the peer broke the framing rules of RFC 6455 §5 (1002, protocol error).
	ErrBadFrame = &Kind{CloseProtocolError, "bad frame"}
	// ErrBadEncoding: a text message or close reason that is not UTF-8, or a compressed
	// payload that does not inflate (1007, invalid payload data).
	ErrBadEncoding = &Kind{CloseInvalidPayload, "bad encoding"}
	// ErrPolicy: the peer broke a rule of the application or of a server-wide limit
	// (1008, policy violation).
	ErrPolicy = &Kind{ClosePolicyViolation, "policy violation"}
	// ErrBadSize: a frame or message larger than its configured limit, before or after
	// decompression (1009, message too big).
	ErrBadSize = &Kind{CloseMessageTooBig, "bad size"}
	// ErrExtension: the peer negotiated an extension in a way the RFC that defines it forbids
	// (1010, mandatory extension).
	ErrExtension = &Kind{CloseMandatoryExtension, "extension failure"}
)

// Error is a protocol error: what went wrong, in its package's words, and its [Kind].
// errors.Is(err, ErrBadFrame) matches through it, and [CloseCodeOf] reads its code.
type Error struct {
	Kind *Kind
	msg  string
}

// NewError returns an *Error of kind with the message msg, for the packages above this one
// (the engine, extensions) that find violations of their own.
func NewError(kind *Kind, msg string) *Error { return &Error{kind, msg} }

func (e *Error) Error() string { return e.msg }

// Unwrap returns the error's kind, so that errors.Is matches it.
func (e *Error) Unwrap() error { return e.Kind }

// CloseCodeOf returns the close code a connection failed by err sends: the code of the
// [Kind] err wraps, or 1011 (internal error) for any other error. It is the one place that
// maps errors to close codes.
func CloseCodeOf(err error) CloseCode {
	var k *Kind
	if errors.As(err, &k) {
		return k.code
	}
	return CloseInternalError
}

// Errors a peer's frames can cause, each of kind ErrBadFrame unless its comment says
// otherwise.
var (
	ErrReservedBits       = &Error{ErrBadFrame, "frame: reserved bit set without a negotiated extension"}
	ErrReservedOpcode     = &Error{ErrBadFrame, "frame: reserved opcode"}
	ErrControlFragmented  = &Error{ErrBadFrame, "frame: fragmented control frame"}
	ErrControlTooLong     = &Error{ErrBadFrame, "frame: control frame payload longer than 125 bytes"}
	ErrLengthOverflow     = &Error{ErrBadFrame, "frame: 64-bit payload length with the most significant bit set"}
	ErrLengthNotMinimal   = &Error{ErrBadFrame, "frame: payload length not in its minimal encoding"}
	ErrUnmasked           = &Error{ErrBadFrame, "frame: unmasked frame from a client"}
	ErrMasked             = &Error{ErrBadFrame, "frame: masked frame from a server"}
	ErrUnexpectedContinue = &Error{ErrBadFrame, "frame: continuation frame with no message in progress"}
	ErrExpectedContinue   = &Error{ErrBadFrame, "frame: new data frame while a fragmented message is in progress"}
	ErrRSVOnContinuation  = &Error{ErrBadFrame, "frame: extension bit set on a continuation frame"}
	ErrRSVOnControl       = &Error{ErrBadFrame, "frame: extension bit set on a control frame"}
	ErrCloseLength        = &Error{ErrBadFrame, "frame: close payload of 1 byte"}
	ErrCloseCode          = &Error{ErrBadFrame, "frame: close code not allowed on the wire"}
	// ErrFrameTooBig is of kind ErrBadSize.
	ErrFrameTooBig = &Error{ErrBadSize, "frame: payload larger than the configured limit"}
	// ErrCloseReasonEncoding is of kind ErrBadEncoding.
	ErrCloseReasonEncoding = &Error{ErrBadEncoding, "frame: close reason is not valid UTF-8"}
)
