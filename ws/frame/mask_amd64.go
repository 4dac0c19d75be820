//go:build amd64 && !purego

package frame

// bulkMin is the payload length from which Mask hands the bulk to assembly. Below it the
// call and the vector setup cost more than maskGeneric's word loop saves (measured with
// BenchmarkMaskCrossover).
const bulkMin = 64

// hasAVX2 reports whether the CPU has AVX2 and the operating system saves the YMM
// registers across context switches; otherwise the SSE2 routine runs, which every amd64
// CPU has. It is a variable so that the tests can run both routines on one machine.
var hasAVX2 = detectAVX2()

// maskBulk XORs the largest multiple of 16 bytes at the start of b with key repeated, and
// returns how many bytes it masked. key must already be rotated to the key position of
// b[0].
func maskBulk(b []byte, key uint32) int {
	if hasAVX2 {
		return maskAVX2(b, key)
	}
	return maskSSE2(b, key)
}

// maskAVX2 masks len(b) rounded down to 16 bytes, 128 bytes per loop, and returns that count.
//
//go:noescape
func maskAVX2(b []byte, key uint32) int

// maskSSE2 masks len(b) rounded down to 16 bytes, 64 bytes per loop, and returns that count.
//
//go:noescape
func maskSSE2(b []byte, key uint32) int
