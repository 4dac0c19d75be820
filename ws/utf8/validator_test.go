package utf8

import (
	"encoding/hex"
	"strings"
	"testing"
	stdutf8 "unicode/utf8"

	"github.com/bronco-ws/bronco/internal/utf8ref"
	"github.com/google/go-cmp/cmp"
)

// verdict is what feeding a whole message tells: the message offset of the first byte that
// made it invalid (-1 if none) and whether it ended valid on a character boundary.
type verdict struct {
	FailAt   int
	Complete bool
}

var (
	valid      = verdict{FailAt: -1, Complete: true}
	incomplete = verdict{FailAt: -1, Complete: false}
)

func failAt(off int) verdict { return verdict{FailAt: off} }

// hx decodes space-separated hex bytes, so table rows read like a hex dump.
func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

type validatorTest struct {
	name string
	in   []byte
	want verdict
}

// validatorTests covers every range edge of the UTF-8 syntax of RFC 3629 §4. RFC 6455 §8.1
// requires text messages to be valid UTF-8 and the connection to be failed with 1007 when they
// are not; Autobahn 6.* further checks that the failure comes at the first byte after which
// no valid continuation exists (FailAt), not at message end.
var validatorTests = []validatorTest{
	{"empty message", nil, valid},

	// UTF8-1 = %x00-7F
	{"RFC 3629 §4 UTF8-1 00", hx("00"), valid},
	{"RFC 3629 §4 UTF8-1 7F last ASCII", hx("7F"), valid},
	{"RFC 3629 §4 80 lone UTF8-tail", hx("80"), failAt(0)},
	{"RFC 3629 §4 BF lone UTF8-tail", hx("BF"), failAt(0)},
	{"RFC 3629 §4 lone UTF8-tail after ASCII", hx("41 80"), failAt(1)},
	{"RFC 3629 §4 extra UTF8-tail after UTF8-2", hx("C2 80 80"), failAt(2)},

	// UTF8-2 = %xC2-DF UTF8-tail
	{"RFC 3629 §4 C0 overlong lead", hx("C0 80"), failAt(0)},
	{"RFC 3629 §4 C1 overlong lead", hx("C1 BF"), failAt(0)},
	{"RFC 3629 §4 C2 80 U+0080", hx("C2 80"), valid},
	{"RFC 3629 §4 DF BF U+07FF", hx("DF BF"), valid},
	{"RFC 3629 §4 C2 7F tail below 80", hx("C2 7F"), failAt(1)},
	{"RFC 3629 §4 C2 C0 tail above BF", hx("C2 C0"), failAt(1)},
	{"RFC 3629 §4 C2 C2 80 lead where a tail is due", hx("C2 C2 80"), failAt(1)},
	{"RFC 3629 §4 C2 truncated", hx("C2"), incomplete},
	{"RFC 3629 §4 DF truncated", hx("DF"), incomplete},

	// UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
	//          %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
	{"RFC 3629 §4 E0 80 overlong", hx("E0 80 80"), failAt(1)},
	{"RFC 3629 §4 E0 9F overlong", hx("E0 9F BF"), failAt(1)},
	{"RFC 3629 §4 E0 A0 80 U+0800", hx("E0 A0 80"), valid},
	{"RFC 3629 §4 E0 BF BF U+0FFF", hx("E0 BF BF"), valid},
	{"RFC 3629 §4 E0 C0 tail above BF", hx("E0 C0 80"), failAt(1)},
	{"RFC 3629 §4 E1 80 80 U+1000", hx("E1 80 80"), valid},
	{"RFC 3629 §4 E1 7F tail below 80", hx("E1 7F"), failAt(1)},
	{"RFC 3629 §4 EC BF BF U+CFFF", hx("EC BF BF"), valid},
	{"RFC 3629 §4 ED 80 80 U+D000", hx("ED 80 80"), valid},
	{"RFC 3629 §4 ED 9F BF U+D7FF last before surrogates", hx("ED 9F BF"), valid},
	{"RFC 3629 §4 ED A0 80 U+D800 surrogate", hx("ED A0 80"), failAt(1)},
	{"RFC 3629 §4 ED BF BF U+DFFF surrogate", hx("ED BF BF"), failAt(1)},
	{"RFC 3629 §4 ED A0 surrogate truncated", hx("ED A0"), failAt(1)},
	{"RFC 3629 §4 EE 80 80 U+E000 first after surrogates", hx("EE 80 80"), valid},
	{"RFC 3629 §4 EF BF BF U+FFFF", hx("EF BF BF"), valid},
	{"RFC 3629 §4 EF BF C0 third byte above BF", hx("EF BF C0"), failAt(2)},
	{"RFC 3629 §4 EF BF 41 ASCII where a tail is due", hx("EF BF 41"), failAt(2)},
	{"RFC 3629 §4 E0 truncated", hx("E0"), incomplete},
	{"RFC 3629 §4 E0 A0 truncated", hx("E0 A0"), incomplete},
	{"RFC 3629 §4 EF BF truncated", hx("EF BF"), incomplete},

	// UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
	//          %xF4 %x80-8F 2( UTF8-tail )
	{"RFC 3629 §4 F0 80 overlong", hx("F0 80 80 80"), failAt(1)},
	{"RFC 3629 §4 F0 8F overlong", hx("F0 8F BF BF"), failAt(1)},
	{"RFC 3629 §4 F0 90 80 80 U+10000", hx("F0 90 80 80"), valid},
	{"RFC 3629 §4 F0 BF BF BF U+3FFFF", hx("F0 BF BF BF"), valid},
	{"RFC 3629 §4 F1 80 80 80 U+40000", hx("F1 80 80 80"), valid},
	{"RFC 3629 §4 F3 BF BF BF U+FFFFF", hx("F3 BF BF BF"), valid},
	{"RFC 3629 §4 F3 BF BF C0 fourth byte above BF", hx("F3 BF BF C0"), failAt(3)},
	{"RFC 3629 §4 F4 80 80 80 U+100000", hx("F4 80 80 80"), valid},
	{"RFC 3629 §4 F4 8F BF BF U+10FFFF last scalar value", hx("F4 8F BF BF"), valid},
	{"RFC 3629 §4 F4 90 above U+10FFFF", hx("F4 90 80 80"), failAt(1)},
	{"RFC 3629 §4 F4 BF above U+10FFFF", hx("F4 BF BF BF"), failAt(1)},
	{"RFC 3629 §4 F0 90 80 7F ASCII where a tail is due", hx("F0 90 80 7F"), failAt(3)},
	{"RFC 3629 §4 F0 90 C0 80 third byte above BF", hx("F0 90 C0 80"), failAt(2)},
	{"RFC 3629 §4 F1 80 7F 80 third byte below 80", hx("F1 80 7F 80"), failAt(2)},
	{"RFC 3629 §4 F1 7F second byte below 80", hx("F1 7F 80 80"), failAt(1)},
	{"RFC 3629 §4 F1 C0 second byte above BF", hx("F1 C0 80 80"), failAt(1)},
	{"RFC 3629 §4 F0 truncated", hx("F0"), incomplete},
	{"RFC 3629 §4 F0 90 80 truncated", hx("F0 90 80"), incomplete},
	{"RFC 3629 §4 F4 8F BF truncated", hx("F4 8F BF"), incomplete},
	{"RFC 3629 §4 F5 would exceed U+10FFFF", hx("F5 80 80 80"), failAt(0)},
	{"RFC 3629 §4 F7 would exceed U+10FFFF", hx("F7 BF BF BF"), failAt(0)},
	{"RFC 3629 §4 F8 five-byte lead", hx("F8 88 80 80 80"), failAt(0)},
	{"RFC 3629 §4 FC six-byte lead", hx("FC 84 80 80 80 80"), failAt(0)},
	{"RFC 3629 §4 FE", hx("FE"), failAt(0)},
	{"RFC 3629 §4 FF", hx("FF"), failAt(0)},

	// Autobahn 6.4.1–6.4.4 send "κόσμε" (11 bytes, with U+1F79), then F4 90 80 80, then
	// "edited", in pieces; the peer must fail at the 90, before the rest arrives
	// (RFC 6455 §8.1).
	{"RFC 6455 §8.1 Autobahn 6.4 κόσμε F4 90 80 80 edited", hx("CE BA E1 BD B9 CF 83 CE BC CE B5 F4 90 80 80 65 64 69 74 65 64"), failAt(12)},
	{"RFC 6455 §8.1 κόσμε ED A0 80 edited", hx("CE BA E1 BD B9 CF 83 CE BC CE B5 ED A0 80 65 64 69 74 65 64"), failAt(12)},
	{"RFC 6455 §8.1 valid mixed text", []byte("Hello-µ@ßöäüàá-UTF-8!! κόσμε 世界 🙂"), valid},
}

// Rows where the interesting bytes sit at every position of a long ASCII run, so that they
// fall in every lane of the word-at-a-time fast path and at its edges.
func init() {
	ascii := strings.Repeat("The quick brown fox. ", 3) // 63 bytes
	for i := 0; i <= 40; i++ {
		pre, post := ascii[:i], ascii[i:]
		validatorTests = append(validatorTests,
			validatorTest{"RFC 3629 §4 lone 80 in ASCII", []byte(pre + "\x80" + post), failAt(i)},
			validatorTest{"RFC 3629 §4 surrogate ED A0 80 in ASCII", []byte(pre + "\xED\xA0\x80" + post), failAt(i + 1)},
			validatorTest{"RFC 3629 §4 U+1F642 in ASCII", []byte(pre + "🙂" + post), valid},
			validatorTest{"RFC 3629 §4 ASCII then truncated U+1F642", []byte(pre + "🙂"[:3]), incomplete},
		)
	}
}

// feedPieces feeds pieces as one message and returns the verdict. It also checks the contract
// of Feed: n == len(piece) while valid, and once invalid, later pieces are refused.
func feedPieces(t *testing.T, pieces [][]byte) verdict {
	t.Helper()
	var v Validator
	got := verdict{FailAt: -1}
	off := 0
	for _, p := range pieces {
		n, ok := v.Feed(p)
		if got.FailAt >= 0 {
			if n != 0 || ok {
				t.Errorf("Feed(%x) after failure = %d, %v; want 0, false", p, n, ok)
			}
			continue
		}
		if !ok {
			got.FailAt = off + n
		} else if n != len(p) {
			t.Errorf("Feed(%x) = %d, true; want %d, true", p, n, len(p))
		}
		off += n
	}
	got.Complete = v.Complete()
	return got
}

func TestValidatorWhole(t *testing.T) {
	for _, tt := range validatorTests {
		if diff := cmp.Diff(tt.want, feedPieces(t, [][]byte{tt.in})); diff != "" {
			t.Errorf("%s: Feed(%x) mismatch (-want +got):\n%s", tt.name, tt.in, diff)
		}
	}
}

// TestValidatorSplit feeds each row as two pieces, cut at every possible point, as happens
// when a frame or a read ends inside a character (RFC 6455 §5.4: a message may be fragmented
// anywhere, and the validator sees each fragment's payload on its own).
func TestValidatorSplit(t *testing.T) {
	for _, tt := range validatorTests {
		for i := 0; i <= len(tt.in); i++ {
			if diff := cmp.Diff(tt.want, feedPieces(t, [][]byte{tt.in[:i], tt.in[i:]})); diff != "" {
				t.Errorf("%s: Feed(%x), Feed(%x) mismatch (-want +got):\n%s", tt.name, tt.in[:i], tt.in[i:], diff)
			}
		}
	}
}

// TestValidatorSplitTwice cuts each row in three pieces at every pair of points, so that a
// single character can straddle three pieces.
func TestValidatorSplitTwice(t *testing.T) {
	for _, tt := range validatorTests {
		for i := 0; i <= len(tt.in); i++ {
			for j := i; j <= len(tt.in); j++ {
				pieces := [][]byte{tt.in[:i], tt.in[i:j], tt.in[j:]}
				if diff := cmp.Diff(tt.want, feedPieces(t, pieces)); diff != "" {
					t.Errorf("%s: pieces %x mismatch (-want +got):\n%s", tt.name, pieces, diff)
				}
			}
		}
	}
}

func TestValidatorByteAtATime(t *testing.T) {
	for _, tt := range validatorTests {
		var pieces [][]byte
		for i := range tt.in {
			pieces = append(pieces, tt.in[i:i+1])
		}
		if diff := cmp.Diff(tt.want, feedPieces(t, pieces)); diff != "" {
			t.Errorf("%s: Feed(%x) a byte at a time mismatch (-want +got):\n%s", tt.name, tt.in, diff)
		}
	}
}

// TestValidatorTableAgainstReferences keeps the hand-written table honest: each row must agree
// with unicode/utf8.Valid and with the slow reference for the failure offset.
func TestValidatorTableAgainstReferences(t *testing.T) {
	for _, tt := range validatorTests {
		ref := verdict{FailAt: utf8ref.Failure(tt.in), Complete: stdutf8.Valid(tt.in)}
		if diff := cmp.Diff(tt.want, ref); diff != "" {
			t.Errorf("%s: table row %x disagrees with the references (-row +references):\n%s", tt.name, tt.in, diff)
		}
	}
}

func TestValid(t *testing.T) {
	for _, tt := range validatorTests {
		if got := Valid(tt.in); got != tt.want.Complete {
			t.Errorf("%s: Valid(%x) = %v; want %v", tt.name, tt.in, got, tt.want.Complete)
		}
	}
}
