package ws

import (
	"encoding/binary"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/utf8"
)

// parseClosePayload splits a close frame's payload into its code and reason and checks them
// (RFC 6455 §5.5.1, §7.4): an empty payload stands for frame.CloseNoStatus; a single byte is a
// protocol error; the code must be one that may be sent; the reason must be UTF-8 (1007).
func parseClosePayload(p []byte) (frame.CloseCode, []byte, error) {
	switch len(p) {
	case 0:
		return frame.CloseNoStatus, nil, nil
	case 1:
		return 0, nil, frame.ErrCloseLength
	}
	code := frame.CloseCode(binary.BigEndian.Uint16(p))
	if !code.Sendable() {
		return 0, nil, frame.ErrCloseCode
	}
	reason := p[2:]
	if !utf8.Valid(reason) {
		return 0, nil, frame.ErrCloseReasonEncoding
	}
	return code, reason, nil
}

// appendClosePayload appends a close frame payload for code and reason to dst. CloseNoStatus
// gives an empty payload. The reason is cut to fit in 123 bytes, on a character boundary.
func appendClosePayload(dst []byte, code frame.CloseCode, reason string) []byte {
	if code == frame.CloseNoStatus {
		return dst
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	const maxReason = frame.MaxControlPayload - 2
	if len(reason) > maxReason {
		reason = reason[:maxReason]
		for len(reason) > 0 && !utf8.Valid([]byte(reason)) {
			reason = reason[:len(reason)-1]
		}
	}
	return append(dst, reason...)
}
