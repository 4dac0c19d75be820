package fuzz

import (
	"testing"
	stdutf8 "unicode/utf8"

	"github.com/bronco-ws/bronco/internal/utf8ref"
	"github.com/bronco-ws/bronco/ws/utf8"
)

// FuzzUTF8 is differential: it cuts text into pieces where the fuzzer says, feeds them to one
// utf8.Validator as one message (RFC 6455 §8.1: a text message may be fragmented anywhere,
// and must be UTF-8), and checks
//   - the final verdict against unicode/utf8.Valid;
//   - the failure offset against a slow reference that knows UTF-8 only through the standard
//     library's encoder: the first byte after which no valid continuation exists;
//   - the contract of Feed (all of a piece accepted while valid; nothing once invalid).
//
// cuts gives the length of each piece but the last, each byte modulo what is left plus one,
// so empty pieces happen too.
func FuzzUTF8(f *testing.F) {
	for _, s := range utf8Seeds {
		f.Add([]byte(s.text), []byte(s.cuts))
	}
	f.Fuzz(func(t *testing.T, text, cuts []byte) {
		pieces := utf8CutPieces(text, cuts)

		var v utf8.Validator
		failAt, off := -1, 0
		for _, p := range pieces {
			n, ok := v.Feed(p)
			switch {
			case failAt >= 0:
				if n != 0 || ok {
					t.Fatalf("pieces %q: Feed after failure = %d, %v; want 0, false", pieces, n, ok)
				}
			case !ok:
				if n < 0 || n >= len(p) {
					t.Fatalf("pieces %q: Feed(%q) = %d, false; offset out of the piece", pieces, p, n)
				}
				failAt = off + n
			case n != len(p):
				t.Fatalf("pieces %q: Feed(%q) = %d, true; want %d", pieces, p, n, len(p))
			}
			off += n
		}

		wantValid := stdutf8.Valid(text)
		if got := v.Complete(); got != wantValid {
			t.Fatalf("pieces %q: Complete() = %v; unicode/utf8.Valid = %v", pieces, got, wantValid)
		}
		if got := utf8.Valid(text); got != wantValid {
			t.Fatalf("utf8.Valid(%q) = %v; unicode/utf8.Valid = %v", text, got, wantValid)
		}
		if want := utf8ref.Failure(text); failAt != want {
			t.Fatalf("pieces %q: failed at offset %d; reference says %d", pieces, failAt, want)
		}
	})
}

// utf8Seeds come from the boundary table of ws/utf8 (RFC 3629 §4 range edges) and from the
// way Autobahn 6.4.* splits its invalid messages.
var utf8Seeds = []struct{ text, cuts string }{
	{"", ""},
	{"\x7f\xc2\x80\xdf\xbf", "\x01\x01"},
	{"\xc0\x80", ""},
	{"\xc1\xbf", ""},
	{"\xe0\xa0\x80\xe0\x80\x80", "\x04"},
	{"\xed\x9f\xbf\xed\xa0\x80", "\x04"},
	{"\xee\x80\x80\xef\xbf\xbf", "\x01\x01\x01\x01"},
	{"\xf0\x90\x80\x80\xf0\x8f\xbf\xbf", "\x02\x03"},
	{"\xf4\x8f\xbf\xbf\xf4\x90\x80\x80", "\x05"},
	{"\xf5\x80\x80\x80", ""},
	{"\xff", ""},
	{"abc\x80", ""},
	{"\xf0\x90\x80", "\x01"},
	// Autobahn 6.4.2: "κόσμε" then F4, then 90, then 80 80 "edited".
	{"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80edited", "\x0c\x01"},
	{"The quick brown fox jumps \xed\xa0\x80 over the lazy dog", "\x00\x1b"},
}

// utf8CutPieces splits text into pieces whose lengths come from cuts.
func utf8CutPieces(text, cuts []byte) [][]byte {
	var pieces [][]byte
	for _, c := range cuts {
		n := int(c) % (len(text) + 1)
		pieces = append(pieces, text[:n])
		text = text[n:]
	}
	return append(pieces, text)
}
