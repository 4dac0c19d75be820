package frame

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// maskNaive is the definition of RFC 6455 §5.3: octet i is XORed with key octet i mod 4.
func maskNaive(key [4]byte, pos int, b []byte) int {
	for i := range b {
		b[i] ^= key[(pos+i)%4]
	}
	return (pos + len(b)) % 4
}

func TestMaskMatchesDefinition(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for n := 0; n <= 200; n++ {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i*7 + 1)
		}
		for pos := 0; pos < 8; pos++ {
			got, want := bytes.Clone(src), bytes.Clone(src)
			gp, wp := Mask(key, pos, got), maskNaive(key, pos, want)
			if gp != wp || !bytes.Equal(got, want) {
				t.Fatalf("Mask(len %d, pos %d) = pos %d, %x; want pos %d, %x", n, pos, gp, got, wp, want)
			}
		}
	}
}

// TestMaskInPieces unmasks one payload split at every pair of points, as it arrives from the
// network, and compares with unmasking it whole.
func TestMaskInPieces(t *testing.T) {
	key := [4]byte{1, 2, 3, 0xff}
	src := make([]byte, 77)
	for i := range src {
		src[i] = byte(i)
	}
	want := bytes.Clone(src)
	maskNaive(key, 0, want)
	for i := 0; i <= len(src); i++ {
		for j := i; j <= len(src); j++ {
			got := bytes.Clone(src)
			pos := Mask(key, 0, got[:i])
			pos = Mask(key, pos, got[i:j])
			Mask(key, pos, got[j:])
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("split %d/%d (-want +got):\n%s", i, j, diff)
			}
		}
	}
}

func BenchmarkMask(b *testing.B) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, size := range []int{16, 128, 1024, 4096, 16384, 65536, 1 << 20} {
		src := make([]byte, size)
		dst := make([]byte, size)
		b.Run(fmt.Sprintf("%d/bronco", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				Mask(key, 1, src)
			}
		})
		b.Run(fmt.Sprintf("%d/copy", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, src)
			}
		})
	}
}
