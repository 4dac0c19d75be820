package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// streamWriter builds DEFLATE streams bit by bit for the inflater's edge cases.
type streamWriter struct{ bw bitWriter }

func (s *streamWriter) bits(v uint32, n uint) *streamWriter { s.bw.writeBits(v, n); return s }

// code writes symbol sym of h, most significant bit of the code first (RFC 1951 §3.1.1).
func (s *streamWriter) code(h *huffmanCode, sym int) *streamWriter {
	return s.bits(uint32(h.codes[sym]), uint(h.lens[sym]))
}

// bytes ends the stream as a message payload does: an empty stored block header, padded.
func (s *streamWriter) bytes() []byte {
	s.bits(0, 3)
	s.bw.alignToByte()
	return s.bw.out
}

// dynamicBlock describes the header of a dynamic block (RFC 1951 §3.2.7). Its code-length
// code gives symbols 0-12 four bits and 13-18 five: complete, with every symbol usable.
type dynamicBlock struct {
	hlit, hdist int      // the header fields: HLIT = nlit-257, HDIST = ndist-1
	lengths     [][2]int // code-length symbols with their extra bits, in order
	litLens     []uint8  // the literal/length code the lengths describe, to write the data
	distLens    []uint8  // likewise for distances
	data        func(lit, dist *huffmanCode, s *streamWriter)
	clLens      *[19]uint8 // replaces the code-length code above
}

func (b dynamicBlock) payload() []byte {
	cl := [numCodeLen]uint8{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5}
	if b.clLens != nil {
		cl = *b.clLens
	}
	var clCode huffmanCode
	clCode.assign(cl[:])
	s := &streamWriter{}
	s.bits(0, 1).bits(2, 2) // not final, dynamic
	s.bits(uint32(b.hlit), 5).bits(uint32(b.hdist), 5).bits(numCodeLen-4, 4)
	for _, sym := range codeLenOrder {
		s.bits(uint32(cl[sym]), 3)
	}
	for _, l := range b.lengths {
		s.code(&clCode, l[0])
		switch l[0] {
		case 16:
			s.bits(uint32(l[1]), 2)
		case 17:
			s.bits(uint32(l[1]), 3)
		case 18:
			s.bits(uint32(l[1]), 7)
		}
	}
	if b.data != nil {
		var lit, dist huffmanCode
		lit.assign(b.litLens)
		dist.assign(b.distLens)
		b.data(&lit, &dist, s)
	}
	return s.bytes()
}

// lensOf spells code lengths as code-length symbols, one each.
func lensOf(lens []uint8) [][2]int {
	out := make([][2]int, len(lens))
	for i, l := range lens {
		out[i] = [2]int{int(l)}
	}
	return out
}

// literalsAndEnd is a complete literal/length code: 256 literals of 9 bits and
// end-of-block of 1 bit (1/2 + 256/512 = 1).
func literalsAndEnd(eob uint8) []uint8 {
	l := slices.Repeat([]uint8{9}, 256)
	return append(l, eob)
}

// hiCode codes 'h' and 'i' with 2 bits and end-of-block with 1.
func hiCode() []uint8 {
	l := make([]uint8, 257)
	l['h'], l['i'], l[endOfBlock] = 2, 2, 1
	return l
}

func writeHi(lit, _ *huffmanCode, s *streamWriter) {
	s.code(lit, 'h').code(lit, 'i').code(lit, endOfBlock)
}

// TestInflateEdgeCases feeds streams built bit by bit to the inflater and to
// compress/flate: each must give the expected result, and compress/flate must
// agree on whether the stream is valid.
func TestInflateEdgeCases(t *testing.T) {
	fixed := func(write func(s *streamWriter)) []byte {
		s := &streamWriter{}
		s.bits(0, 1).bits(1, 2) // not final, fixed codes
		write(s)
		return s.bytes()
	}
	tests := []struct {
		name    string
		payload []byte
		want    string
		wantErr error
	}{
		{name: "§3.2.7 a dynamic block with a complete code decodes",
			payload: dynamicBlock{hlit: 0, hdist: 0, lengths: lensOf(append(literalsAndEnd(1), 1)),
				litLens: literalsAndEnd(1), distLens: []uint8{1}, data: writeHi}.payload(),
			want: "hi"},
		{name: "§3.2.7 repeat codes 16, 17 and 18",
			payload: dynamicBlock{hlit: 0, hdist: 3,
				// 104 zeros, 'h' and 'i' of 2 bits, 150 zeros, end-of-block of 1 bit; four
				// distance codes of 2 bits.
				lengths: [][2]int{{17, 7}, {18, 104 - 10 - 11}, {2}, {2}, {18, 127}, {18, 150 - 138 - 11}, {1}, {2}, {16, 0}},
				litLens: hiCode(), distLens: []uint8{2, 2, 2, 2}, data: writeHi}.payload(),
			want: "hi"},
		{name: "§3.2.7 HLIT above 286 codes is corrupt",
			payload: dynamicBlock{hlit: 30, lengths: lensOf(literalsAndEnd(1))}.payload(), wantErr: ErrCorrupt},
		{name: "§3.2.7 HDIST above 30 codes is corrupt",
			payload: dynamicBlock{hlit: 0, hdist: 30, lengths: lensOf(literalsAndEnd(1))}.payload(), wantErr: ErrCorrupt},
		{name: "§3.2.7 repeat code 16 with no previous length is corrupt",
			payload: dynamicBlock{lengths: [][2]int{{16, 0}}}.payload(), wantErr: ErrCorrupt},
		{name: "§3.2.7 a repeat past HLIT+HDIST lengths is corrupt",
			payload: dynamicBlock{lengths: [][2]int{{18, 127}, {18, 127}, {18, 127}}}.payload(), wantErr: ErrCorrupt},
		{name: "§3.2.7 a code without end-of-block runs into the end of the payload: corrupt",
			payload: dynamicBlock{lengths: lensOf(append(slices.Repeat([]uint8{8}, 256), 0, 1))}.payload(), wantErr: ErrCorrupt},
		{name: "§3.2.2 an incomplete literal/length code is corrupt",
			payload: dynamicBlock{lengths: lensOf(append(literalsAndEnd(2), 1))}.payload(), wantErr: ErrCorrupt},
		{name: "§3.2.2 an over-subscribed literal/length code is corrupt",
			payload: dynamicBlock{lengths: lensOf(append(append(slices.Repeat([]uint8{8}, 256), 1), 1))}.payload(), wantErr: ErrCorrupt},
		{name: "§3.2.2 an incomplete code-length code is corrupt",
			payload: dynamicBlock{clLens: &[19]uint8{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5},
				lengths: lensOf(append(literalsAndEnd(1), 1))}.payload(), wantErr: ErrCorrupt},
		{name: "§3.2.7 no distance code at all is fine while no match needs one",
			payload: dynamicBlock{lengths: lensOf(append(literalsAndEnd(1), 0)),
				litLens: literalsAndEnd(1), distLens: []uint8{0}, data: writeHi}.payload(),
			want: "hi"},
		{name: "§3.2.7 a single one-bit distance code decodes its one code",
			payload: dynamicBlock{hlit: 1, lengths: lensOf(append(append(literalsAndEnd(2), 2), 1)),
				litLens: append(literalsAndEnd(2), 2), distLens: []uint8{1},
				data: func(lit, dist *huffmanCode, s *streamWriter) {
					s.code(lit, 'a').code(lit, 257).code(dist, 0).code(lit, endOfBlock)
				}}.payload(),
			want: "aaaa"},
		{name: "§3.2.7 the unused half of a one-bit distance code is corrupt",
			payload: dynamicBlock{hlit: 1, lengths: lensOf(append(append(literalsAndEnd(2), 2), 1)),
				litLens: append(literalsAndEnd(2), 2), distLens: []uint8{1},
				data: func(lit, _ *huffmanCode, s *streamWriter) {
					s.code(lit, 'a').code(lit, 257).bits(1, 1).code(lit, endOfBlock)
				}}.payload(),
			wantErr: ErrCorrupt},
		{name: "§3.2.6 fixed literal/length code 286 is corrupt",
			payload: fixed(func(s *streamWriter) { s.code(&fixedLitLen, 'a').code(&fixedLitLen, 286) }), wantErr: ErrCorrupt},
		{name: "§3.2.6 fixed literal/length code 287 is corrupt",
			payload: fixed(func(s *streamWriter) { s.code(&fixedLitLen, 'a').code(&fixedLitLen, 287) }), wantErr: ErrCorrupt},
		{name: "§3.2.6 fixed distance code 30 is corrupt",
			payload: fixed(func(s *streamWriter) {
				s.code(&fixedLitLen, 'a').code(&fixedLitLen, 257).bits(uint32(reverseBits(30, 5)), 5)
			}), wantErr: ErrCorrupt},
		{name: "§3.2.5 the longest length, 258 (code 285), from distance 1",
			payload: fixed(func(s *streamWriter) {
				s.code(&fixedLitLen, 'z').code(&fixedLitLen, 285).code(&fixedDist, 0).code(&fixedLitLen, endOfBlock)
			}), want: string(bytes.Repeat([]byte("z"), 259))},
		{name: "§3.2.5 a distance past the start of the stream is corrupt",
			payload: fixed(func(s *streamWriter) {
				s.code(&fixedLitLen, 'a').code(&fixedLitLen, 257).code(&fixedDist, 1)
			}), wantErr: ErrCorrupt},
		{name: "§3.2.4 a stored block longer than the payload is corrupt",
			payload: []byte{0x00, 0x10, 0x00, 0xef, 0xff, 'a', 'b'}, wantErr: ErrCorrupt},
		{name: "a payload cut inside a block is corrupt",
			payload: []byte{0xf2, 0x48}, wantErr: ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewDecoder(15, false).AppendDecompress(nil, tt.payload, 1<<20)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("error %v; want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil {
				if diff := cmp.Diff(tt.want, string(got)); diff != "" {
					t.Errorf("output (-want +got):\n%s", diff)
				}
			}
			std, stdErr := io.ReadAll(flate.NewReader(bytes.NewReader(slices.Concat(tt.payload, syncTail))))
			if (stdErr == nil) != (err == nil) {
				t.Errorf("compress/flate disagrees: %v", stdErr)
			}
			if stdErr == nil && !bytes.Equal(std, got) {
				t.Errorf("compress/flate inflated %q", std)
			}
		})
	}
}

// TestInflateLimitInsideMatch stops a match at the limit: the output is exactly the limit.
func TestInflateLimitInsideMatch(t *testing.T) {
	s := &streamWriter{}
	s.bits(0, 1).bits(1, 2)
	s.code(&fixedLitLen, 'z').code(&fixedLitLen, 285).code(&fixedDist, 0).code(&fixedLitLen, endOfBlock)
	payload := s.bytes()
	for _, limit := range []int64{0, 1, 2, 100, 258, 259} {
		got, err := NewDecoder(15, false).AppendDecompress(nil, payload, limit)
		wantErr := error(nil)
		if limit < 259 {
			wantErr = ErrInflatedTooBig
		}
		if !errors.Is(err, wantErr) || (wantErr == nil) != (err == nil) {
			t.Errorf("limit %d: error %v; want %v", limit, err, wantErr)
		}
		if diff := cmp.Diff(int(limit), len(got)); diff != "" {
			t.Errorf("limit %d: output length (-want +got):\n%s", limit, diff)
		}
	}
}
