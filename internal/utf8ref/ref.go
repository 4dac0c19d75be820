// Package utf8ref is a slow reference for where UTF-8 validation must fail, for tests of
// ws/utf8 and its fuzz target: it knows UTF-8 only through the standard library's encoder
// and Valid, not through the state machine under test.
package utf8ref

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// properPrefixes is the set of every non-empty, proper prefix of the encoding of every
// Unicode scalar value.
var properPrefixes = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool)
	var buf [utf8.UTFMax]byte
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		n := utf8.EncodeRune(buf[:], r)
		for k := 1; k < n; k++ {
			m[string(buf[:k])] = true
		}
	}
	return m
})

// Continuable reports whether some bytes appended to q would make it valid UTF-8: q must be
// whole valid characters followed by the start of one more.
func Continuable(q []byte) bool {
	for t := 0; t < utf8.UTFMax && t <= len(q); t++ {
		head, tail := q[:len(q)-t], q[len(q)-t:]
		if utf8.Valid(head) && (t == 0 || properPrefixes()[string(tail)]) {
			return true
		}
	}
	return false
}

// Failure returns the offset of the first byte of p after which no valid continuation
// exists, or -1 if every prefix of p can still be continued. Once a prefix cannot be
// continued neither can any longer one, so a binary search finds the boundary.
func Failure(p []byte) int {
	if Continuable(p) {
		return -1
	}
	lo, hi := 0, len(p)-1 // p[:hi+1] cannot be continued
	for lo < hi {
		mid := lo + (hi-lo)/2
		if Continuable(p[:mid+1]) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
