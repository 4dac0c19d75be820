package frame

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hx decodes hex written with spaces between fields, so table rows can show the header layout.
func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

type parseResult struct {
	H   Header
	N   int
	Err error
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want parseResult
	}{
		{"empty: need more", "", parseResult{}},
		{"one byte: need more", "81", parseResult{}},
		{"§5.2 unmasked text 'Hello' (§5.7 example)", "81 05", parseResult{H: Header{Fin: true, Opcode: OpText, Length: 5}, N: 2}},
		{"§5.7 masked text 'Hello'", "81 85 37fa213d", parseResult{H: Header{Fin: true, Opcode: OpText, Masked: true, Mask: [4]byte{0x37, 0xfa, 0x21, 0x3d}, Length: 5}, N: 6}},
		{"masked, key incomplete: need more", "81 85 37fa21", parseResult{}},
		{"§5.2 7-bit length 125", "82 7d", parseResult{H: Header{Fin: true, Opcode: OpBinary, Length: 125}, N: 2}},
		{"§5.2 16-bit length 126", "82 7e 007e", parseResult{H: Header{Fin: true, Opcode: OpBinary, Length: 126}, N: 4}},
		{"16-bit length incomplete: need more", "82 7e 00", parseResult{}},
		{"§5.2 16-bit length 65535", "82 7e ffff", parseResult{H: Header{Fin: true, Opcode: OpBinary, Length: 65535}, N: 4}},
		{"§5.2 64-bit length 65536", "82 7f 0000000000010000", parseResult{H: Header{Fin: true, Opcode: OpBinary, Length: 65536}, N: 10}},
		{"64-bit length incomplete: need more", "82 7f 00000000000100", parseResult{}},
		{"§5.2 64-bit length 2^63-1", "82 7f 7fffffffffffffff", parseResult{H: Header{Fin: true, Opcode: OpBinary, Length: 1<<63 - 1}, N: 10}},
		{"§5.2 64-bit length MSB set", "82 7f 8000000000000000", parseResult{Err: ErrLengthOverflow}},
		{"§5.2 minimal encoding: 125 in 16 bits", "82 7e 007d", parseResult{Err: ErrLengthNotMinimal}},
		{"§5.2 minimal encoding: 65535 in 64 bits", "82 7f 000000000000ffff", parseResult{Err: ErrLengthNotMinimal}},
		{"RSV bits and opcode kept as sent", "7b 00", parseResult{H: Header{Rsv: RSV1 | RSV2 | RSV3, Opcode: 0xb}, N: 2}},
		{"continuation, not final", "00 03", parseResult{H: Header{Opcode: OpContinuation, Length: 3}, N: 2}},
		{"trailing bytes are not consumed", "89 00 ffff", parseResult{H: Header{Fin: true, Opcode: OpPing}, N: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, n, err := ParseHeader(hx(tt.in))
			got := parseResult{h, n, err}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) })); diff != "" {
				t.Errorf("ParseHeader(%s) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestPutHeaderRoundTrip(t *testing.T) {
	lengths := []int64{0, 1, 125, 126, 127, 0xffff, 0x10000, 1<<32 + 5, 1<<63 - 1}
	for _, l := range lengths {
		for _, masked := range []bool{false, true} {
			h := Header{Fin: l%2 == 0, Rsv: RSV1, Opcode: OpBinary, Masked: masked, Length: l}
			if masked {
				h.Mask = [4]byte{1, 2, 3, 4}
			}
			b := AppendHeader(nil, h)
			if len(b) != h.Len() {
				t.Errorf("len(AppendHeader(%+v)) = %d; Len() = %d", h, len(b), h.Len())
			}
			got, n, err := ParseHeader(b)
			if err != nil || n != len(b) {
				t.Fatalf("ParseHeader(AppendHeader(%+v)) = n %d err %v; want n %d", h, n, err, len(b))
			}
			if diff := cmp.Diff(h, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		}
	}
}

// TestPutHeaderMinimal checks RFC 6455 §5.2: "the minimal number of bytes MUST be used to
// encode the length".
func TestPutHeaderMinimal(t *testing.T) {
	tests := []struct {
		length int64
		want   string
	}{
		{0, "82 00"},
		{125, "82 7d"},
		{126, "82 7e 007e"},
		{65535, "82 7e ffff"},
		{65536, "82 7f 0000000000010000"},
	}
	for _, tt := range tests {
		got := AppendHeader(nil, Header{Fin: true, Opcode: OpBinary, Length: tt.length})
		if diff := cmp.Diff(hx(tt.want), got); diff != "" {
			t.Errorf("AppendHeader(length %d) (-want +got):\n%s", tt.length, diff)
		}
	}
}

// TestAppendFrameExamples encodes the examples of RFC 6455 §5.7.
func TestAppendFrameExamples(t *testing.T) {
	tests := []struct {
		name    string
		h       Header
		payload string
		want    string
	}{
		{"single-frame unmasked text", Header{Fin: true, Opcode: OpText}, "Hello", "810548656c6c6f"},
		{"single-frame masked text", Header{Fin: true, Opcode: OpText, Masked: true, Mask: [4]byte{0x37, 0xfa, 0x21, 0x3d}}, "Hello", "818537fa213d7f9f4d5158"},
		{"first fragment", Header{Opcode: OpText}, "Hel", "010348656c"},
		{"last fragment", Header{Fin: true, Opcode: OpContinuation}, "lo", "80026c6f"},
		{"unmasked ping", Header{Fin: true, Opcode: OpPing}, "Hello", "890548656c6c6f"},
		{"masked pong", Header{Fin: true, Opcode: OpPong, Masked: true, Mask: [4]byte{0x37, 0xfa, 0x21, 0x3d}}, "Hello", "8a8537fa213d7f9f4d5158"},
	}
	for _, tt := range tests {
		got := AppendFrame(nil, tt.h, []byte(tt.payload))
		if diff := cmp.Diff(hx(tt.want), got); diff != "" {
			t.Errorf("%s: AppendFrame (-want +got):\n%s", tt.name, diff)
		}
	}
}
