package fuzz

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"testing"

	"github.com/bronco-ws/bronco/ws/deflate"
)

// deflateSyncMarker is what RFC 7692 §7.2.2 appends before inflating.
var deflateSyncMarker = []byte{0x00, 0x00, 0xff, 0xff}

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
// fuzzer asks for context takeover, and checks
//   - that no call produces more than its limit, and a refusal for size
//     carries close code 1009, any other failure 1007;
//   - differentially, that compress/flate, inflating the payload plus the
//     sync marker as RFC 7692 §7.2.2 says with the same window, produces a
//     prefix of what the Decoder produced, and that when compress/flate
//     finds the data corrupt the Decoder does not accept it.
func FuzzInflate(f *testing.F) {
	for _, s := range deflateInflateSeeds {
		f.Add(s, byte(7), true, uint16(1000))
		f.Add(s, byte(0), false, uint16(3))
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
			if len(out) > int(limit) {
				t.Fatalf("round %d: %d bytes out; limit %d", round, len(out), limit)
			}
			code := deflate.CloseCode(err)
			switch {
			case err == nil:
			case errors.Is(err, deflate.ErrMessageTooBig) && code == 1009:
			case errors.Is(err, deflate.ErrCorrupt) && code == 1007:
			default:
				t.Fatalf("round %d: error %v with close code %d", round, err, code)
			}

			std, stdErr := deflateStdInflate(payload, history, int(limit)+1)
			n := min(len(std), len(out))
			if !bytes.Equal(std[:n], out[:n]) {
				t.Fatalf("round %d: Decoder and compress/flate disagree within the first %d bytes", round, n)
			}
			if err == nil && len(std) > len(out) {
				t.Fatalf("round %d: compress/flate produced %d bytes, Decoder %d", round, len(std), len(out))
			}
			var corrupt flate.CorruptInputError
			if errors.As(stdErr, &corrupt) && err == nil {
				t.Fatalf("round %d: compress/flate says %v; Decoder accepted %d bytes", round, stdErr, len(out))
			}
			if err != nil {
				return
			}
			history = append(history, out...)
			history = history[max(0, len(history)-1<<windowBits):]
		}
	})
}

// deflateStdInflate inflates payload with compress/flate and no help from
// ws/deflate, reading at most max bytes.
func deflateStdInflate(payload, dict []byte, max int) ([]byte, error) {
	src := bytes.NewReader(append(append([]byte(nil), payload...), deflateSyncMarker...))
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
			if d, err := deflateMaxDistance(payload, history); err != nil {
				t.Fatalf("message %d: %v", i, err)
			} else if d > 1<<windowBits {
				t.Fatalf("message %d: distance %d beyond the %d-byte window", i, d, 1<<windowBits)
			}
			if takeover {
				history = append(history, msg...)
				history = history[max(0, len(history)-1<<windowBits):]
			}
		}
	})
}

// deflateMaxDistance parses payload plus the sync marker (RFC 1951) after
// history and returns the longest distance any match uses. It is a slow,
// plain reading of the format, sharing no code with ws/deflate.
func deflateMaxDistance(payload, history []byte) (int, error) {
	br := &deflateBits{in: append(append([]byte(nil), payload...), deflateSyncMarker...)}
	produced, maxDist := len(history), 0
	for br.err == nil && br.pos>>3 < len(br.in) {
		final, btype := br.read(1), br.read(2)
		switch btype {
		case 0:
			br.pos = (br.pos + 7) &^ 7
			n := br.read(16)
			if br.read(16) != n^0xffff {
				return 0, errors.New("stored length mismatch")
			}
			br.pos += 8 * n
			produced += n
		case 1, 2:
			lit, dist := deflateFixedLengths()
			if btype == 2 {
				var err error
				if lit, dist, err = deflateDynamicLengths(br); err != nil {
					return 0, err
				}
			}
			litCode, distCode := deflateCanonical(lit), deflateCanonical(dist)
			for br.err == nil {
				sym := litCode.decode(br)
				if sym < 256 {
					produced++
					continue
				}
				if sym == 256 {
					break
				}
				if sym > 285 {
					return 0, errors.New("bad length code")
				}
				produced += deflateLengthBase[sym-257] + br.read(deflateLengthExtra[sym-257])
				ds := distCode.decode(br)
				if ds < 0 || ds > 29 {
					return 0, errors.New("bad distance code")
				}
				d := deflateDistBase[ds] + br.read(deflateDistExtra[ds])
				if d > produced {
					return 0, errors.New("distance before the start of the window")
				}
				maxDist = max(maxDist, d)
			}
		default:
			return 0, errors.New("reserved block type")
		}
		if final == 1 {
			break
		}
	}
	return maxDist, br.err
}

var (
	deflateLengthBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	deflateLengthExtra = [29]int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	deflateDistBase    = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	deflateDistExtra   = [30]int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	deflateCLOrder     = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

type deflateBits struct {
	in  []byte
	pos int
	err error
}

func (b *deflateBits) read(n int) int {
	v := 0
	for i := range n {
		if b.pos>>3 >= len(b.in) {
			b.err = io.ErrUnexpectedEOF
			return 0
		}
		v |= int(b.in[b.pos>>3]>>(b.pos&7)&1) << i
		b.pos++
	}
	return v
}

// deflateCode decodes a canonical Huffman code: first code and first
// symbol index per length, then symbols in code order.
type deflateCode struct {
	count   [16]int
	symbols []int
}

func deflateCanonical(lens []int) *deflateCode {
	c := &deflateCode{}
	for l := 1; l < 16; l++ {
		for s, sl := range lens {
			if sl == l {
				c.count[l]++
				c.symbols = append(c.symbols, s)
			}
		}
	}
	return c
}

func (c *deflateCode) decode(b *deflateBits) int {
	code, first, index := 0, 0, 0
	for l := 1; l < 16 && b.err == nil; l++ {
		code |= b.read(1)
		if code-first < c.count[l] {
			return c.symbols[index+code-first]
		}
		index += c.count[l]
		first = (first + c.count[l]) << 1
		code <<= 1
	}
	if b.err == nil {
		b.err = errors.New("invalid Huffman code")
	}
	return -1
}

func deflateFixedLengths() (lit, dist []int) {
	lit = make([]int, 288)
	for i := range lit {
		switch {
		case i < 144, i >= 280:
			lit[i] = 8
		case i < 256:
			lit[i] = 9
		default:
			lit[i] = 7
		}
	}
	dist = make([]int, 30)
	for i := range dist {
		dist[i] = 5
	}
	return lit, dist
}

func deflateDynamicLengths(b *deflateBits) (lit, dist []int, err error) {
	hlit, hdist, hclen := b.read(5)+257, b.read(5)+1, b.read(4)+4
	cl := make([]int, 19)
	for _, s := range deflateCLOrder[:hclen] {
		cl[s] = b.read(3)
	}
	code := deflateCanonical(cl)
	var lens []int
	for len(lens) < hlit+hdist && b.err == nil {
		switch s := code.decode(b); {
		case s < 0:
		case s < 16:
			lens = append(lens, s)
		case s == 16 && len(lens) > 0:
			for range 3 + b.read(2) {
				lens = append(lens, lens[len(lens)-1])
			}
		case s == 17:
			lens = append(lens, make([]int, 3+b.read(3))...)
		case s == 18:
			lens = append(lens, make([]int, 11+b.read(7))...)
		default:
			return nil, nil, errors.New("repeat with no previous length")
		}
	}
	if b.err != nil {
		return nil, nil, b.err
	}
	if len(lens) != hlit+hdist {
		return nil, nil, errors.New("code lengths overrun the tables")
	}
	return lens[:hlit], lens[hlit:], nil
}
