package frame

import "encoding/binary"

// The reserved bits of the first header byte (RFC 6455 §5.2), as they sit in that byte.
const (
	RSV1 byte = 0x40
	RSV2 byte = 0x20
	RSV3 byte = 0x10
)

// MaxHeaderLen is the longest a frame header can be: 2 bytes, an 8-byte extended length
// and a 4-byte masking key.
const MaxHeaderLen = 14

// MaxControlPayload is the largest payload a control frame may carry (RFC 6455 §5.5).
const MaxControlPayload = 125

// Header is a decoded frame header (RFC 6455 §5.2).
type Header struct {
	Fin    bool
	Rsv    byte // RSV1|RSV2|RSV3 bits, in their first-byte positions
	Opcode Opcode
	Masked bool
	Mask   [4]byte // valid when Masked
	Length int64   // payload length; never negative
}

// ParseHeader decodes the header at the front of b without allocating. It returns the header
// and its encoded length n. When b holds only part of a header it returns n == 0 and a nil
// error: the caller must supply more bytes, as with binary.Uvarint.
//
// ParseHeader rejects what no frame may carry whatever the context: a 64-bit length with the
// most significant bit set and a length that is not minimally encoded (both RFC 6455 §5.2).
// Rules that depend on the role and on negotiated extensions are in [Header.Check].
func ParseHeader(b []byte) (h Header, n int, err error) {
	if len(b) < 2 {
		return Header{}, 0, nil
	}
	b0, b1 := b[0], b[1]
	h.Fin = b0&0x80 != 0
	h.Rsv = b0 & (RSV1 | RSV2 | RSV3)
	h.Opcode = Opcode(b0 & 0x0f)
	h.Masked = b1&0x80 != 0
	n = 2
	switch l := b1 & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return Header{}, 0, nil
		}
		h.Length = int64(binary.BigEndian.Uint16(b[2:4]))
		n = 4
		if h.Length < 126 {
			return Header{}, 0, ErrLengthNotMinimal
		}
	case 127:
		if len(b) < 10 {
			return Header{}, 0, nil
		}
		u := binary.BigEndian.Uint64(b[2:10])
		if u>>63 != 0 {
			return Header{}, 0, ErrLengthOverflow
		}
		if u <= 0xffff {
			return Header{}, 0, ErrLengthNotMinimal
		}
		h.Length = int64(u)
		n = 10
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		if len(b) < n+4 {
			return Header{}, 0, nil
		}
		copy(h.Mask[:], b[n:n+4])
		n += 4
	}
	return h, n, nil
}

// Len returns the number of bytes h takes when encoded.
func (h Header) Len() int {
	n := 2
	switch {
	case h.Length > 0xffff:
		n += 8
	case h.Length > 125:
		n += 2
	}
	if h.Masked {
		n += 4
	}
	return n
}

// PutHeader encodes h into b, which must have room for h.Len() bytes (MaxHeaderLen always
// suffices), using the minimal length encoding RFC 6455 §5.2 requires. It returns the number
// of bytes written.
func PutHeader(b []byte, h Header) int {
	b0 := h.Rsv&(RSV1|RSV2|RSV3) | byte(h.Opcode&0x0f)
	if h.Fin {
		b0 |= 0x80
	}
	var b1 byte
	if h.Masked {
		b1 = 0x80
	}
	var n int
	switch {
	case h.Length > 0xffff:
		_ = b[9]
		b[0], b[1] = b0, b1|127
		binary.BigEndian.PutUint64(b[2:10], uint64(h.Length))
		n = 10
	case h.Length > 125:
		_ = b[3]
		b[0], b[1] = b0, b1|126
		binary.BigEndian.PutUint16(b[2:4], uint16(h.Length))
		n = 4
	default:
		_ = b[1]
		b[0], b[1] = b0, b1|byte(h.Length)
		n = 2
	}
	if h.Masked {
		n += copy(b[n:n+4], h.Mask[:])
	}
	return n
}

// AppendHeader appends the encoding of h to dst.
func AppendHeader(dst []byte, h Header) []byte {
	var buf [MaxHeaderLen]byte
	n := PutHeader(buf[:], h)
	return append(dst, buf[:n]...)
}

// AppendFrame appends a whole frame to dst: the header for a payload of len(payload) bytes,
// then the payload, masked with h.Mask when h.Masked. h.Length is ignored.
func AppendFrame(dst []byte, h Header, payload []byte) []byte {
	h.Length = int64(len(payload))
	dst = AppendHeader(dst, h)
	start := len(dst)
	dst = append(dst, payload...)
	if h.Masked {
		Mask(h.Mask, 0, dst[start:])
	}
	return dst
}
