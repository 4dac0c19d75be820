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

// TestMaskBulkMatchesGeneric runs every bulk routine this machine has (see
// forEachBulkRoutine) against maskGeneric and the RFC 6455 §5.3 definition, on every length
// 0..1100 and key position 0..7, inside a larger buffer at every start offset 0..31 so that
// no alignment is assumed. The buffer around the slice holds guard bytes, and the slice's
// capacity runs into them: a routine that writes past len(b) or before b[0] fails the
// whole-buffer comparison.
func TestMaskBulkMatchesGeneric(t *testing.T) {
	const (
		maxLen  = 1100
		offsets = 32
		guard   = 64 // more than one AVX2 vector on either side
	)
	key := [4]byte{0x9c, 0x01, 0xe5, 0x7b}
	src := make([]byte, guard+offsets+maxLen+guard)
	for i := range src {
		src[i] = byte(i*131 + 17)
	}
	got, want, naive := make([]byte, len(src)), make([]byte, len(src)), make([]byte, len(src))
	forEachBulkRoutine(t, func(t *testing.T) {
		for n := 0; n <= maxLen; n++ {
			for pos := 0; pos < 8; pos++ {
				for off := 0; off < offsets; off++ {
					lo, hi := guard+off, guard+off+n
					copy(got, src)
					copy(want, src)
					gp := Mask(key, pos, got[lo:hi])
					wp := maskGeneric(key, pos&3, want[lo:hi])
					if off == 0 {
						// The generic reference itself, against the definition.
						copy(naive, src)
						np := maskNaive(key, pos, naive[lo:hi])
						if wp != np || !bytes.Equal(want, naive) {
							t.Fatalf("RFC 6455 §5.3: maskGeneric(len %d, pos %d) = pos %d, want %d; (-naive +generic):\n%s",
								n, pos, wp, np, cmp.Diff(naive, want))
						}
					}
					if gp != wp || !bytes.Equal(got, want) {
						t.Fatalf("RFC 6455 §5.3: Mask(len %d, pos %d, offset %d) = pos %d, want %d; (-generic +Mask):\n%s",
							n, pos, off, gp, wp, cmp.Diff(want, got))
					}
				}
			}
		}
	})
}

// TestMaskInPiecesAcrossBulk splits a payload long enough for the bulk path at points around
// the bulk threshold and vector sizes, so that the key position carried from piece to piece
// (RFC 6455 §5.3: octet i uses key octet i mod 4 of the whole payload) passes through both
// the assembly and the Go tail.
func TestMaskInPiecesAcrossBulk(t *testing.T) {
	key := [4]byte{0xde, 0xad, 0xbe, 0xef}
	src := make([]byte, 700)
	for i := range src {
		src[i] = byte(i ^ 0x5a)
	}
	want := bytes.Clone(src)
	maskNaive(key, 0, want)
	cuts := []int{0, 1, 3, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 130, 257, 511, 699, 700}
	forEachBulkRoutine(t, func(t *testing.T) {
		for _, i := range cuts {
			for _, j := range cuts {
				if j < i {
					continue
				}
				got := bytes.Clone(src)
				pos := Mask(key, 0, got[:i])
				pos = Mask(key, pos, got[i:j])
				if end := Mask(key, pos, got[j:]); end != len(src)%4 {
					t.Errorf("split %d/%d: final key position %d, want %d", i, j, end, len(src)%4)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("split %d/%d (-want +got):\n%s", i, j, diff)
				}
			}
		}
	})
}

func TestRotateKey(t *testing.T) {
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	tests := []struct {
		pos  int
		want uint32 // little-endian: the low byte meets the payload first
	}{
		{0, 0x44332211},
		{1, 0x11443322},
		{2, 0x22114433},
		{3, 0x33221144},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, rotateKey(key, tt.pos)); diff != "" {
			t.Errorf("rotateKey(pos %d) (-want +got):\n%s", tt.pos, diff)
		}
	}
}

// maskAlwaysBulk is Mask without the length threshold, for measuring where it should be.
func maskAlwaysBulk(key [4]byte, pos int, b []byte) int {
	done := maskBulk(b, rotateKey(key, pos))
	return maskGeneric(key, pos, b[done:])
}

// BenchmarkMaskCrossover times maskGeneric against the bulk path on short payloads; bulkMin
// is set from where the bulk path starts to win.
func BenchmarkMaskCrossover(b *testing.B) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, size := range []int{16, 32, 64, 96, 112, 128, 160, 192, 256} {
		buf := make([]byte, size)
		b.Run(fmt.Sprintf("%d/generic", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				maskGeneric(key, 1, buf)
			}
		})
		b.Run(fmt.Sprintf("%d/bulk", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				maskAlwaysBulk(key, 1, buf)
			}
		})
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

// BenchmarkMaskUnaligned is BenchmarkMask on payloads that start 6 bytes into their buffer,
// as an unmasked payload does behind a 6-byte client frame header in a read buffer. copy
// reads and writes at the same offset.
func BenchmarkMaskUnaligned(b *testing.B) {
	const offset = 6
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, size := range []int{4096, 65536, 1 << 20} {
		src := make([]byte, offset+size)[offset:]
		dst := make([]byte, offset+size)[offset:]
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
