package deflate

import (
	"errors"
	"strconv"

	"github.com/bronco-ws/bronco/ws/frame"
)

// Errors of the per-message codec, each a *frame.Error of the kind its comment names. The
// errors returned by [Decoder.AppendDecompress] wrap one of them with detail.
var (
	// ErrInflatedTooBig reports a message whose inflated size exceeds the limit given to
	// [Decoder.AppendDecompress]: kind frame.ErrBadSize, close code 1009.
	ErrInflatedTooBig = frame.NewError(frame.ErrBadSize, "deflate: inflated message exceeds the size limit")

	// ErrCorrupt reports a payload that is not a valid DEFLATE stream, or one that refers
	// back farther than the negotiated window: kind frame.ErrBadEncoding, close code 1007.
	ErrCorrupt = frame.NewError(frame.ErrBadEncoding, "deflate: corrupt compressed payload")
)

// Errors of negotiation and configuration. The errors returned by
// [CheckResponse] and [Config.Validate] wrap one of them with detail.
var (
	// ErrResponse reports a server response the client must not accept (RFC 7692 §7): the
	// client fails the WebSocket connection. Kind frame.ErrExtension.
	ErrResponse = frame.NewError(frame.ErrExtension, "deflate: unacceptable permessage-deflate response")

	// ErrConfig reports a Config value outside its documented range.
	ErrConfig = errors.New("deflate: invalid config")
)

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
