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
// This is the fast path, shaped by two facts. Text in the wild is mostly ASCII, so ASCII is
// skipped a word at a time, landing on the first non-ASCII byte of a word directly rather
// than byte by byte. And the cost of a multi-byte character is the dependency from one
// character's length to the next one's position: taking that length from a table would chain
// two loads per character, so the code branches on it instead, and the CPU predicts the
// branch, which is nearly free in text of one script.
func wholePrefix(p []byte) int {
	p = p[:len(p):len(p)] // slicing within len then needs no capacity check
	i := 0
	for i < len(p) {
		c := p[i]
		if c < 0x80 {
			if len(p)-i < 8 {
				i++
				continue
			}
			// Short ASCII runs, such as a space between words of another script, end within
			// one word: jump to the byte after them.
			if m := binary.LittleEndian.Uint64(p[i:]) & highBits; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				continue
			}
			i = skipASCII(p, i+8)
			continue
		}
		// Bytes 2 to 4 as one word; past the end of p they read as 00, which is in no range
		// and no UTF8-tail, so a truncated character fails the checks below like a bad one.
		var w uint32
		if len(p)-i >= 4 {
			w = binary.LittleEndian.Uint32(p[i:]) >> 8
		} else {
			w = loadShort(p[i:]) >> 8
		}
		// The second byte's range depends on the lead (RFC 3629 §4); one unsigned
		// comparison checks it. Later bytes are UTF8-tails: 10xxxxxx.
		ld := leads[c]
		second := byte(w)-ld.lo <= ld.span
		switch ld.size {
		case 2:
			if !second {
				return i
			}
			i += 2
		case 3:
			if !second || w&0xC000 != 0x8000 {
				return i
			}
			i += 3
		case 4:
			if !second || w&0xC0C000 != 0x808000 {
				return i
			}
			i += 4
		default:
			return i
		}
	}
	return len(p)
}

// loadShort reads the one to three bytes left at the end of a piece as a little-endian
// word, padded with zeros.
func loadShort(q []byte) uint32 {
	var w uint32
	for k := len(q) - 1; k >= 0; k-- {
		w = w<<8 | uint32(q[k])
	}
	return w
}

// leadInfo describes the characters a lead byte begins: their length and the range
// lo..lo+span of their second byte (RFC 3629 §4).
type leadInfo struct {
	size, lo, span byte
}

// leads maps each byte to the characters it begins as a lead byte. The zero value, size 0,
// marks a byte that begins no multi-byte character: ASCII, a UTF8-tail, C0, C1 and F5–FF.
var leads = func() (t [256]leadInfo) {
	for c := 0xC2; c <= 0xDF; c++ {
		t[c] = leadInfo{2, 0x80, 0x3F}
	}
	for c := 0xE0; c <= 0xEF; c++ {
		t[c] = leadInfo{3, 0x80, 0x3F}
	}
	t[0xE0] = leadInfo{3, 0xA0, 0x1F} // A0–BF: lower would be overlong
	t[0xED] = leadInfo{3, 0x80, 0x1F} // 80–9F: higher would be a surrogate
	for c := 0xF0; c <= 0xF4; c++ {
		t[c] = leadInfo{4, 0x80, 0x3F}
	}
	t[0xF0] = leadInfo{4, 0x90, 0x2F} // 90–BF: lower would be overlong
	t[0xF4] = leadInfo{4, 0x80, 0x0F} // 80–8F: higher would be above U+10FFFF
	return t
}()

// skipASCII returns the index of the first byte at or after i that is not ASCII, or len(p).
func skipASCII(p []byte, i int) int {
	q := p[i:]
	// 32 bytes per round while more than 32 remain: stopping at exactly 32 means q[32:]
	// never points past the end, which spares the compiler a pointer fix-up in the loop.
	for len(q) > 32 {
		w := binary.LittleEndian.Uint64(q) | binary.LittleEndian.Uint64(q[8:]) |
			binary.LittleEndian.Uint64(q[16:]) | binary.LittleEndian.Uint64(q[24:])
		if w&highBits != 0 {
			break // the word loop below finds the byte
		}
		q = q[32:]
	}
	for len(q) >= 8 {
		if m := binary.LittleEndian.Uint64(q) & highBits; m != 0 {
			// Little-endian: the lowest set bit belongs to the earliest byte.
			return len(p) - len(q) + bits.TrailingZeros64(m)>>3
		}
		q = q[8:]
	}
	for k, c := range q {
		if c >= 0x80 {
			return len(p) - len(q) + k
		}
	}
	return len(p)
}
