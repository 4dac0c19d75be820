package utf8

import (
	"errors"
	"strconv"
)

// Reasons a text message is not valid UTF-8. Both reach the caller wrapped in an [*Error],
// so errors.Is(err, ErrInvalid) and errors.As(err, &e) both work.
var (
	// ErrInvalid reports a byte that can neither start nor continue a character of RFC 3629 §4:
	// a lone continuation byte, an overlong form, a surrogate, a value above U+10FFFF, or one of
	// the bytes C0, C1, F5–FF.
	ErrInvalid = errors.New("utf8: invalid UTF-8 byte")
	// ErrIncomplete reports a message that ended inside a multi-byte character.
	ErrIncomplete = errors.New("utf8: message ends inside a UTF-8 character")
)

// CloseInvalidPayload is the close code an endpoint fails the connection with when a text
// message is not valid UTF-8 (RFC 6455 §8.1, §7.4.1: 1007, invalid frame payload data).
const CloseInvalidPayload = 1007

// Error reports where a text message stopped being valid UTF-8.
type Error struct {
	// Code is the close code to fail the connection with: always [CloseInvalidPayload].
	Code uint16
	// Offset is the position in the message of the first byte after which no valid
	// continuation exists; for ErrIncomplete it is the length of the message.
	Offset int64
	// Err is ErrInvalid or ErrIncomplete.
	Err error
}

// Error returns the reason with the offset, for example
// "utf8: invalid UTF-8 byte at offset 12".
func (e *Error) Error() string {
	return e.Err.Error() + " at offset " + strconv.FormatInt(e.Offset, 10)
}

// Unwrap returns e.Err, so that errors.Is matches the sentinel.
func (e *Error) Unwrap() error { return e.Err }
