package utf8

import (
	"encoding/binary"
	"math/bits"
)

// Valid reports whether p is entirely valid UTF-8. Its verdict is that of unicode/utf8.Valid.
func Valid(p []byte) bool {
	return wholePrefix(p) == len(p)
}

// highBits has the top bit of every byte of a word set; a word of ASCII has none of them.
const highBits = 0x8080808080808080

// wholePrefix returns the length of the longest prefix of p made only of whole, valid
// characters. It stops at a character that is invalid or cut off by the end of p without
// telling which: the caller hands the rest to [step], which knows the exact byte.
//
// This is the fast path. Text in the wild is mostly ASCII, so it skips ASCII a word at a
// time and lands on the first non-ASCII byte of a word directly rather than byte by byte;
// runs of multi-byte characters are checked a character at a time against ranges, which
// costs fewer dependent loads than walking the byte-level state machine.
func wholePrefix(p []byte) int {
	i := 0
	for i < len(p) {
		if p[i] < 0x80 {
			i = skipASCII(p, i+1)
			continue
		}
		n := charLen(p[i:])
		if n == 0 {
			return i
		}
		i += n
	}
	return len(p)
}

// skipASCII returns the index of the first byte at or after i that is not ASCII, or len(p).
func skipASCII(p []byte, i int) int {
	for ; len(p)-i >= 16; i += 16 {
		w := p[i : i+16]
		lo := binary.LittleEndian.Uint64(w[:8])
		hi := binary.LittleEndian.Uint64(w[8:])
		if (lo|hi)&highBits != 0 {
			// Little-endian: the lowest set high bit belongs to the earliest byte.
			if m := lo & highBits; m != 0 {
				return i + bits.TrailingZeros64(m)>>3
			}
			return i + 8 + bits.TrailingZeros64(hi&highBits)>>3
		}
	}
	for ; i < len(p); i++ {
		if p[i] >= 0x80 {
			return i
		}
	}
	return i
}

// charLen returns the length of the valid multi-byte character at the start of q, or 0 if
// q does not start with one, because it is invalid or because q ends too soon.
// q[0] must not be ASCII.
func charLen(q []byte) int {
	c := q[0]
	switch {
	case c < 0xC2:
		return 0
	case c < 0xE0:
		if len(q) < 2 || !isTail(q[1]) {
			return 0
		}
		return 2
	case c < 0xF0:
		if len(q) < 3 {
			return 0
		}
		lo, hi := byte(0x80), byte(0xBF)
		switch c {
		case 0xE0:
			lo = 0xA0
		case 0xED:
			hi = 0x9F
		}
		if q[1] < lo || q[1] > hi || !isTail(q[2]) {
			return 0
		}
		return 3
	case c < 0xF5:
		if len(q) < 4 {
			return 0
		}
		lo, hi := byte(0x80), byte(0xBF)
		switch c {
		case 0xF0:
			lo = 0x90
		case 0xF4:
			hi = 0x8F
		}
		if q[1] < lo || q[1] > hi || !isTail(q[2]) || !isTail(q[3]) {
			return 0
		}
		return 4
	}
	return 0
}
