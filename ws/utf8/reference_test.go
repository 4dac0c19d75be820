package utf8

import (
	"sync"
	"unicode"
	stdutf8 "unicode/utf8"
)

// This file holds a slow reference for the failure offset, written without the state
// machine under test: it knows UTF-8 only through the standard library's encoder and Valid.

// properPrefixes is the set of every non-empty, proper prefix of the encoding of every
// Unicode scalar value.
var properPrefixes = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool)
	var buf [stdutf8.UTFMax]byte
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !stdutf8.ValidRune(r) {
			continue
		}
		n := stdutf8.EncodeRune(buf[:], r)
		for k := 1; k < n; k++ {
			m[string(buf[:k])] = true
		}
	}
	return m
})

// continuable reports whether some bytes appended to q would make it valid UTF-8: q must be
// whole valid characters followed by the start of one more.
func continuable(q []byte) bool {
	for t := 0; t < stdutf8.UTFMax && t <= len(q); t++ {
		head, tail := q[:len(q)-t], q[len(q)-t:]
		if stdutf8.Valid(head) && (t == 0 || properPrefixes()[string(tail)]) {
			return true
		}
	}
	return false
}

// referenceFailure returns the offset of the first byte of p after which no valid
// continuation exists, or -1 if every prefix of p can still be continued. Once a prefix
// cannot be continued neither can any longer one, so a binary search finds the boundary.
func referenceFailure(p []byte) int {
	if continuable(p) {
		return -1
	}
	lo, hi := 0, len(p)-1 // p[:hi+1] cannot be continued
	for lo < hi {
		mid := lo + (hi-lo)/2
		if continuable(p[:mid+1]) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
