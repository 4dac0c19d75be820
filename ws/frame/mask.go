package frame

import "encoding/binary"

// Mask XORs b in place with the masking key (RFC 6455 §5.3), starting at byte pos of the key
// (pos is taken modulo 4). It returns the key position for the byte that follows b, so a
// payload that arrives in pieces can be unmasked piece by piece:
//
//	pos := 0
//	for _, piece := range pieces {
//		pos = frame.Mask(key, pos, piece)
//	}
//
// Masking is its own inverse, so Mask also masks.
func Mask(key [4]byte, pos int, b []byte) int {
	pos &= 3
	if len(b) >= bulkMin {
		// The bulk routine only takes whole multiples of 4 bytes, so the key position for
		// the rest is still pos.
		done := maskBulk(b, rotateKey(key, pos))
		b = b[done:]
	}
	return maskGeneric(key, pos, b)
}

// rotateKey returns the key as a little-endian word whose first byte is key[pos], so that
// XORing it into any 4-byte-aligned stretch of the payload starting at key position pos
// masks that stretch.
func rotateKey(key [4]byte, pos int) uint32 {
	k := binary.LittleEndian.Uint32(key[:])
	return k>>(8*pos) | k<<(32-8*pos)
}

// maskGeneric is Mask in portable Go: it is the whole masker on architectures without an
// assembly path, handles the short inputs and tails on amd64, and is the reference the
// assembly is tested against. pos must be in 0..3.
func maskGeneric(key [4]byte, pos int, b []byte) int {
	next := (pos + len(b)) & 3
	if len(b) >= 8 {
		k := rotateKey(key, pos)
		k64 := uint64(k) | uint64(k)<<32
		for len(b) >= 32 {
			v0 := binary.LittleEndian.Uint64(b[0:8]) ^ k64
			v1 := binary.LittleEndian.Uint64(b[8:16]) ^ k64
			v2 := binary.LittleEndian.Uint64(b[16:24]) ^ k64
			v3 := binary.LittleEndian.Uint64(b[24:32]) ^ k64
			binary.LittleEndian.PutUint64(b[0:8], v0)
			binary.LittleEndian.PutUint64(b[8:16], v1)
			binary.LittleEndian.PutUint64(b[16:24], v2)
			binary.LittleEndian.PutUint64(b[24:32], v3)
			b = b[32:]
		}
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
			b = b[8:]
		}
		// Whole words consumed keep the key aligned: 8 is a multiple of 4.
	}
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
	return next
}
