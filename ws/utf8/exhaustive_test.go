package utf8

import (
	"testing"
	stdutf8 "unicode/utf8"

	"github.com/bronco-ws/bronco/internal/utf8ref"
	"github.com/google/go-cmp/cmp"
)

// edgeBytes holds a byte on each side of every range edge of RFC 3629 §4, plus a plain one
// from each range: enough to reach every state and every transition of the validator.
var edgeBytes = []byte{
	0x00, 0x41, 0x7F, // UTF8-1
	0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, // UTF8-tail, cut where second-byte ranges end
	0xC0, 0xC1, 0xC2, 0xDF, // overlong leads, UTF8-2
	0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, // UTF8-3
	0xF0, 0xF1, 0xF3, 0xF4, // UTF8-4
	0xF5, 0xF7, 0xF8, 0xFF, // never in UTF-8
}

// checkAgainstReferences feeds p whole, a byte at a time and, if split, cut at every point,
// and compares each verdict with unicode/utf8.Valid and with the slow reference.
func checkAgainstReferences(t *testing.T, p []byte, split bool) {
	t.Helper()
	want := verdict{FailAt: utf8ref.Failure(p), Complete: stdutf8.Valid(p)}
	ways := [][][]byte{{p}}
	bytewise := make([][]byte, len(p))
	for i := range p {
		bytewise[i] = p[i : i+1]
	}
	ways = append(ways, bytewise)
	if split {
		for i := 1; i < len(p); i++ {
			ways = append(ways, [][]byte{p[:i], p[i:]})
		}
	}
	for _, pieces := range ways {
		// cmp.Diff only on a mismatch: it is slow, and this runs half a million times.
		if got := feedPieces(t, pieces); got != want {
			t.Fatalf("pieces %x: mismatch with the references (-want +got):\n%s", pieces, cmp.Diff(want, got))
		}
	}
	if got := Valid(p); got != want.Complete {
		t.Fatalf("Valid(%x) = %v; unicode/utf8.Valid says %v", p, got, want.Complete)
	}
}

// TestAllTwoByteInputs tries every input of one and two bytes.
func TestAllTwoByteInputs(t *testing.T) {
	for a := 0; a < 256; a++ {
		checkAgainstReferences(t, []byte{byte(a)}, true)
		for b := 0; b < 256; b++ {
			checkAgainstReferences(t, []byte{byte(a), byte(b)}, true)
		}
	}
}

// TestEdgeByteInputs tries every input of three and four bytes drawn from edgeBytes.
func TestEdgeByteInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("about 550,000 inputs")
	}
	for _, a := range edgeBytes {
		for _, b := range edgeBytes {
			for _, c := range edgeBytes {
				checkAgainstReferences(t, []byte{a, b, c}, true)
				for _, d := range edgeBytes {
					checkAgainstReferences(t, []byte{a, b, c, d}, false)
				}
			}
		}
	}
}
