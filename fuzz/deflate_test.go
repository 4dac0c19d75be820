package fuzz

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/bronco-ws/bronco/internal/deflateinspect"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
)

// deflateSyncMarker is what RFC 7692 §7.2.2 appends before inflating.
var deflateSyncMarker = []byte{0x00, 0x00, 0xff, 0xff}

// deflateFinalBlock is an empty stored block with BFINAL set: after the sync marker it ends
// the stream, so compress/flate returns nil exactly when the payload is valid.
var deflateFinalBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// deflateInflateSeeds are payloads from ws/deflate's unit tables: the
// examples of RFC 7692 §7.2.3 and the corrupt rows.
var deflateInflateSeeds = [][]byte{
	{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00},                                     // §7.2.3.1 "Hello"
	{0xf2, 0x00, 0x11, 0x00, 0x00},                                                 // §7.2.3.2 refers into the window
	{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00},             // §7.2.3.3 stored block
	{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00},                               // §7.2.3.4 BFINAL set
	{0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}, // §7.2.3.5 two blocks
	{0x00},                         // §7.2.3.6 empty
	{0xff},                         // reserved block type
	{0x00, 0x05, 0x00, 0xfa},       // NLEN mismatch
	{0x02, 0x13, 0x00, 0x00},       // our encoder's second "Hello"
	{0x02, 0xff, 0xff, 0xff, 0xff}, // fixed block of long matches
}

// FuzzInflate feeds arbitrary payloads to a Decoder, twice when the
// fuzzer asks for context takeover, and checks it differentially against
// compress/flate inflating the payload plus the sync marker as RFC 7692
// §7.2.2 says (and a final empty block), with the same history:
//   - where compress/flate produces more than the limit, the Decoder stops
//     at the limit with ErrInflatedTooBig (close code 1009);
//   - where compress/flate accepts the stream, the Decoder produces the same
//     bytes and no error;
//   - where compress/flate fails, the Decoder fails with ErrCorrupt (1007),
//     having produced a prefix of what compress/flate did.
func FuzzInflate(f *testing.F) {
	for _, s := range deflateInflateSeeds {
		f.Add(s, byte(7), true, uint16(1000))
		f.Add(s, byte(0), false, uint16(3))
	}
	// Dynamic blocks, whose code-length headers and long codes the rows above lack.
	for _, level := range []int{flate.BestSpeed, flate.BestCompression} {
		f.Add(deflateStd(f, deflateJSONSeed, level), byte(7), false, uint16(len(deflateJSONSeed)))
	}
	f.Fuzz(func(t *testing.T, payload []byte, bits byte, takeover bool, limit uint16) {
		windowBits := deflate.MinWindowBits + int(bits%8)
		d := deflate.NewDecoder(windowBits, takeover)
		var history []byte
		rounds := 1
		if takeover {
			rounds = 2
		}
		for round := range rounds {
			out, err := d.AppendDecompress(nil, payload, int64(limit))
			std, stdErr := deflateStdInflate(payload, history, int(limit)+1)
			n := min(len(std), len(out))
			if !bytes.Equal(std[:n], out[:n]) {
				t.Fatalf("round %d: Decoder and compress/flate disagree within the first %d bytes", round, n)
			}
			switch {
			case len(std) > int(limit):
				if !errors.Is(err, deflate.ErrInflatedTooBig) || frame.CloseCodeOf(err) != frame.CloseMessageTooBig || len(out) != int(limit) {
					t.Fatalf("round %d: compress/flate produced over %d bytes; Decoder %d bytes, error %v", round, limit, len(out), err)
				}
			case stdErr == nil:
				if err != nil || len(out) != len(std) {
					t.Fatalf("round %d: compress/flate produced %d bytes; Decoder %d bytes, error %v", round, len(std), len(out), err)
				}
			default:
				if !errors.Is(err, deflate.ErrCorrupt) || frame.CloseCodeOf(err) != frame.CloseInvalidPayload {
					t.Fatalf("round %d: compress/flate says %v; Decoder: %d bytes, error %v", round, stdErr, len(out), err)
				}
			}
			if err != nil {
				return
			}
			history = append(history, out...)
			history = history[max(0, len(history)-1<<windowBits):]
		}
	})
}

// deflateJSONSeed is text with the repeats of API traffic, for compressed seeds.
var deflateJSONSeed = bytes.Repeat([]byte(`{"id":17,"name":"user 17","tags":["a","b"],"score":0.5},`), 40)

// deflateStd compresses msg with compress/flate into an RFC 7692 payload: flushed, without
// the trailing 00 00 ff ff.
func deflateStd(f *testing.F, msg []byte, level int) []byte {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, level)
	if err != nil {
		f.Fatal(err)
	}
	w.Write(msg)
	w.Flush()
	return bytes.TrimSuffix(b.Bytes(), deflateSyncMarker)
}

// deflateStdInflate inflates payload with compress/flate and no help from
// ws/deflate, reading at most max bytes.
func deflateStdInflate(payload, dict []byte, max int) ([]byte, error) {
	src := bytes.NewReader(slices.Concat(payload, deflateSyncMarker, deflateFinalBlock))
	var out bytes.Buffer
	_, err := out.ReadFrom(io.LimitReader(flate.NewReaderDict(src, dict), int64(max)))
	return out.Bytes(), err
}

// deflateEncodeSeeds are messages from ws/deflate's unit tables.
var deflateEncodeSeeds = []string{
	"Hello",
	"",
	"HelloHello",
	`{"id":1,"type":"event","tags":["a","b"]}{"id":2,"type":"event","tags":["a","c"]}`,
	"<div class=\"row\"><span>websocket</span></div><div class=\"row\"><span>frame</span></div>",
	"\x00\x01\x02\x03\x00\x01\x02\x03\xff\xfe\x00\x01\x02\x03",
}

// FuzzDeflate compresses two messages (data cut at split) with an Encoder
// and checks that
//   - compress/flate inflates each payload back to its message, with the
//     first message as the window under context takeover (RFC 7692 §7.2.2);
//   - no back-reference reaches farther than 2^windowBits bytes, read by a
//     DEFLATE parser of this file's own (RFC 7692 §7.1.2: the window is a
//     promise to the peer).
func FuzzDeflate(f *testing.F) {
	for _, s := range deflateEncodeSeeds {
		f.Add([]byte(s), byte(0), int8(6), true, uint16(len(s)/2))
		f.Add([]byte(s), byte(7), int8(1), false, uint16(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, bits byte, level int8, takeover bool, split uint16) {
		// Level 9 on adversarial data costs microseconds per byte, as in
		// zlib; past a few windows' worth, longer inputs find nothing new.
		data = data[:min(len(data), 1<<17)]
		windowBits := deflate.MinWindowBits + int(bits%8)
		lvl := int(level) % 10
		if lvl < 0 {
			lvl = deflate.HuffmanOnly
		}
		e := deflate.NewEncoder(windowBits, lvl, takeover)
		cut := int(split) % (len(data) + 1)
		var history []byte
		for i, msg := range [][]byte{data[:cut], data[cut:]} {
			payload := e.AppendCompress(nil, msg)
			got, err := deflateStdInflate(payload, history, len(msg)+1)
			if !errors.Is(err, io.ErrUnexpectedEOF) && err != nil {
				t.Fatalf("message %d: compress/flate: %v", i, err)
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("message %d: round trip gave %q; want %q", i, got, msg)
			}
			if rep, err := deflateinspect.Inspect(payload, history); err != nil {
				t.Fatalf("message %d: %v", i, err)
			} else if rep.MaxDist > 1<<windowBits {
				t.Fatalf("message %d: distance %d beyond the %d-byte window", i, rep.MaxDist, 1<<windowBits)
			}
			if takeover {
				history = append(history, msg...)
				history = history[max(0, len(history)-1<<windowBits):]
			}
		}
	})
}
