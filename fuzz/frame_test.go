package fuzz

import (
	"bytes"
	"testing"

	"github.com/bronco-ws/bronco/ws/frame"
)

// FuzzParseHeader feeds arbitrary bytes to frame.ParseHeader and checks its contract:
//   - an accepted header re-encodes with frame.PutHeader to exactly the bytes it consumed
//     (lengths are minimal, RFC 6455 §5.2, so the encoding is unique);
//   - every shorter prefix of those bytes asks for more (n == 0, no error);
//   - Check never panics, and a header it accepts obeys §5.2 and §5.5.
func FuzzParseHeader(f *testing.F) {
	for _, s := range [][]byte{
		{0x81, 0x05},                            // §5.7 unmasked "Hello"
		{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d},    // §5.7 masked "Hello"
		{0x82, 0x7e, 0x00, 0x7e},                // 16-bit length 126
		{0x82, 0x7e, 0x00, 0x7d},                // non-minimal 125
		{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}, // MSB set
		{0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4},
		{0x89, 0xfe, 0x00, 0x7e}, // ping of 126
		{0x7b, 0x00},             // every RSV bit, opcode 0xB
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := frame.ParseHeader(b)
		if err != nil || n == 0 {
			if n != 0 {
				t.Fatalf("error %v with n = %d", err, n)
			}
			return
		}
		var buf [frame.MaxHeaderLen]byte
		m := frame.PutHeader(buf[:], h)
		if !bytes.Equal(buf[:m], b[:n]) {
			t.Fatalf("re-encoded %x; parsed from %x", buf[:m], b[:n])
		}
		if h.Len() != n {
			t.Fatalf("Len() = %d; consumed %d", h.Len(), n)
		}
		for i := 0; i < n; i++ {
			if _, k, err := frame.ParseHeader(b[:i]); k != 0 || err != nil {
				t.Fatalf("prefix of %d bytes: n = %d, err = %v; want a request for more", i, k, err)
			}
		}
		for _, role := range []frame.Role{frame.RoleServer, frame.RoleClient} {
			if h.Check(role, frame.RSV1) != nil {
				continue
			}
			if h.Opcode.IsReserved() || (h.Opcode.IsControl() && (!h.Fin || h.Length > 125 || h.Rsv != 0)) || h.Rsv&^frame.RSV1 != 0 {
				t.Fatalf("Check accepted %+v", h)
			}
		}
	})
}

// FuzzMask is differential against the definition of RFC 6455 §5.3, at any key position and
// split point, so the assembly and word-at-a-time paths meet every alignment.
func FuzzMask(f *testing.F) {
	f.Add([]byte("Hello"), uint8(0), uint16(0), []byte{0x37, 0xfa, 0x21, 0x3d})
	f.Add(bytes.Repeat([]byte{0xaa}, 300), uint8(3), uint16(129), []byte{1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, data []byte, pos uint8, split uint16, keyBytes []byte) {
		var key [4]byte
		copy(key[:], keyBytes)
		want := bytes.Clone(data)
		for i := range want {
			want[i] ^= key[(int(pos)+i)%4]
		}
		got := bytes.Clone(data)
		cut := int(split) % (len(got) + 1)
		p := frame.Mask(key, int(pos), got[:cut])
		frame.Mask(key, p, got[cut:])
		if !bytes.Equal(got, want) {
			t.Fatalf("Mask(pos %d, split %d) differs from the definition", pos, cut)
		}
	})
}
