package ws

import (
	"github.com/bronco-ws/bronco/ws/frame"
)

// AppendMessage appends a whole text or binary message as one frame to dst, compressed when
// an extension is configured and compress is true, masked in the client role.
func (e *Engine) AppendMessage(dst []byte, op frame.Opcode, payload []byte, compress bool) []byte {
	h := frame.Header{Fin: true, Opcode: op}
	if compress && e.codec != nil {
		// Encode into the spare capacity past a maximal header, then slide the header in.
		start := len(dst)
		dst = append(dst, make([]byte, frame.MaxHeaderLen)...)
		out, rsv := e.codec.Encode(dst, payload)
		if rsv != 0 {
			body := out[start+frame.MaxHeaderLen:]
			h.Rsv = rsv
			h.Length = int64(len(body))
			e.maskHeader(&h)
			hl := h.Len()
			copy(out[start+hl:], body)
			frame.PutHeader(out[start:], h)
			out = out[:start+hl+len(body)]
			if h.Masked {
				frame.Mask(h.Mask, 0, out[start+hl:])
			}
			return out
		}
		dst = out[:start]
	}
	return e.AppendFrame(dst, h, payload)
}

// AppendMessageHeader appends only the header of a whole uncompressed message of n bytes,
// for a driver that sends the payload itself right behind it (with writev) instead of
// copying it after the header. It reports false, appending nothing, in the client role, where
// the payload must be masked: use AppendMessage there.
func (e *Engine) AppendMessageHeader(dst []byte, op frame.Opcode, n int) ([]byte, bool) {
	if e.role == frame.RoleClient {
		return dst, false
	}
	return frame.AppendHeader(dst, frame.Header{Fin: true, Opcode: op, Length: int64(n)}), true
}

// AppendFrame appends one frame with payload to dst, taking Fin, Rsv and Opcode from h and
// masking it in the client role. It is the low-level writer for fragmented messages.
func (e *Engine) AppendFrame(dst []byte, h frame.Header, payload []byte) []byte {
	e.maskHeader(&h)
	return frame.AppendFrame(dst, h, payload)
}

func (e *Engine) maskHeader(h *frame.Header) {
	h.Masked = e.role == frame.RoleClient
	if h.Masked {
		h.Mask = e.masker.next()
	}
}

// AppendPing appends a ping frame (at most 125 bytes of payload).
func (e *Engine) AppendPing(dst, payload []byte) ([]byte, error) {
	return e.appendControl(dst, frame.OpPing, payload)
}

// AppendPong appends a pong frame (at most 125 bytes of payload).
func (e *Engine) AppendPong(dst, payload []byte) ([]byte, error) {
	return e.appendControl(dst, frame.OpPong, payload)
}

func (e *Engine) appendControl(dst []byte, op frame.Opcode, payload []byte) ([]byte, error) {
	if len(payload) > frame.MaxControlPayload {
		return dst, ErrControlPayloadTooLong
	}
	return e.AppendFrame(dst, frame.Header{Fin: true, Opcode: op}, payload), nil
}

// AppendClose appends a close frame with code and reason (frame.CloseNoStatus for a bare
// close) and records that the close handshake has started on our side. A second call
// returns ErrCloseSent: RFC 6455 §5.5.1 allows one close frame per endpoint.
func (e *Engine) AppendClose(dst []byte, code frame.CloseCode, reason string) ([]byte, error) {
	if e.closeSent {
		return dst, ErrCloseSent
	}
	if code != frame.CloseNoStatus && !code.Sendable() {
		return dst, ErrUnsendableCode
	}
	var buf [frame.MaxControlPayload]byte
	p := appendClosePayload(buf[:0], code, reason)
	e.closeSent = true
	return e.AppendFrame(dst, frame.Header{Fin: true, Opcode: frame.OpClose}, p), nil
}
