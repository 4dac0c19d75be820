package utf8

import (
	"strings"
	"testing"
	stdutf8 "unicode/utf8"
)

// benchText repeats sample, whole characters only, up to at most size bytes.
func benchText(sample string, size int) []byte {
	b := make([]byte, 0, size)
	for len(b) < size {
		for _, r := range sample {
			if len(b)+stdutf8.RuneLen(r) > size {
				return b
			}
			b = stdutf8.AppendRune(b, r)
		}
	}
	return b
}

// Samples by the width of their characters. "mixed" is mostly ASCII with the occasional
// accented letter, CJK character or emoji, as in chat or JSON messages.
var benchSamples = []struct {
	name, sample string
}{
	{"ascii", "The quick brown fox jumps over the lazy dog; {\"id\": 42, \"ok\": true}\n"},
	{"mixed", "Grüße aus Köln! The café serves crème brûlée. 東京 is 🙂 today; naïve déjà vu.\n"},
	{"2-byte", "Съешь же ещё этих мягких французских булокΑβγδεζηθικλμνξοπρστυφχψω"},
	{"3-byte", "日本語のテキストは三バイトの文字でできています。中文字符也是如此。"},
	{"4-byte", "🙂🚀🎉🐹𝄞𝔘𝔫𝔦𝔠𝔬𝔡𝔢𠜎𠜱𠝹𠱓"},
}

var benchSizes = []struct {
	name string
	size int
}{
	{"64B", 64},
	{"64KiB", 64 << 10},
}

var sinkBool bool

// BenchmarkValidate puts this package beside unicode/utf8.Valid on the same input in the
// same run: "bronco" is a Validator fed the whole message, "bronco-Valid" the one-shot
// function, "stdlib" unicode/utf8.Valid.
func BenchmarkValidate(b *testing.B) {
	for _, s := range benchSamples {
		for _, sz := range benchSizes {
			p := benchText(s.sample, sz.size)
			if !stdutf8.Valid(p) || strings.ContainsRune(string(p), stdutf8.RuneError) {
				b.Fatalf("%s: benchmark text is not valid UTF-8", s.name)
			}
			prefix := s.name + "-" + sz.name + "/"
			b.Run(prefix+"bronco", func(b *testing.B) {
				b.SetBytes(int64(len(p)))
				b.ReportAllocs()
				var v Validator
				for b.Loop() {
					v.Reset()
					v.Feed(p)
					sinkBool = v.Complete()
				}
			})
			b.Run(prefix+"bronco-Valid", func(b *testing.B) {
				b.SetBytes(int64(len(p)))
				b.ReportAllocs()
				for b.Loop() {
					sinkBool = Valid(p)
				}
			})
			b.Run(prefix+"stdlib", func(b *testing.B) {
				b.SetBytes(int64(len(p)))
				b.ReportAllocs()
				for b.Loop() {
					sinkBool = stdutf8.Valid(p)
				}
			})
		}
	}
}
