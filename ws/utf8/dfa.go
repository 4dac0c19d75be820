package utf8

// state is where a validator stands inside the syntax of RFC 3629 §4:
//
//	UTF8-2 = %xC2-DF UTF8-tail
//	UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
//	         %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
//	UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
//	         %xF4 %x80-8F 2( UTF8-tail )
//
// Each lead byte with a restricted second byte gets its own state, so that an overlong form,
// a surrogate or a value above U+10FFFF is rejected at its second byte, the first byte after
// which no valid continuation exists, rather than when the character would have ended.
type state uint8

const (
	atBoundary state = iota // between characters
	need1                   // one UTF8-tail (80–BF) to go
	need2                   // two UTF8-tails to go
	need3                   // three UTF8-tails to go
	afterE0                 // next must be A0–BF: 80–9F would be an overlong 3-byte form
	afterED                 // next must be 80–9F: A0–BF would encode a surrogate
	afterF0                 // next must be 90–BF: 80–8F would be an overlong 4-byte form
	afterF4                 // next must be 80–8F: 90–BF would be above U+10FFFF
	rejected                // no continuation can make the input valid; sticky
)

// step consumes one byte. It is the exact but slow path: the validator uses it only for the
// few bytes around a character that a piece boundary cut or that the fast path refused.
func step(s state, b byte) state {
	switch s {
	case atBoundary:
		return lead(b)
	case need1, need2, need3:
		if isTail(b) {
			return s - 1 // need1-1 is atBoundary
		}
	case afterE0:
		if 0xA0 <= b && b <= 0xBF {
			return need1
		}
	case afterED:
		if 0x80 <= b && b <= 0x9F {
			return need1
		}
	case afterF0:
		if 0x90 <= b && b <= 0xBF {
			return need2
		}
	case afterF4:
		if 0x80 <= b && b <= 0x8F {
			return need2
		}
	}
	return rejected
}

// lead classifies the first byte of a character.
func lead(b byte) state {
	switch {
	case b < 0x80:
		return atBoundary
	case b < 0xC2: // a UTF8-tail with nothing to continue, or C0/C1, which only begin overlong forms
		return rejected
	case b < 0xE0:
		return need1
	case b == 0xE0:
		return afterE0
	case b == 0xED:
		return afterED
	case b < 0xF0:
		return need2
	case b == 0xF0:
		return afterF0
	case b < 0xF4:
		return need3
	case b == 0xF4:
		return afterF4
	}
	return rejected // F5–FF would begin a value above U+10FFFF
}

// isTail reports whether b is a UTF8-tail, a continuation byte 80–BF.
func isTail(b byte) bool { return b&0xC0 == 0x80 }
