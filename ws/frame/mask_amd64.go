//go:build amd64 && !purego

package frame

// bulkMin is the payload length from which Mask hands the bulk to assembly. Below it the
// call and the vector setup cost more than maskGeneric's word loop saves: on the AMD EPYC
// (AVX2) this was tuned on, BenchmarkMaskCrossover showed maskGeneric ahead up to 96 bytes,
// the two even at 112 and the assembly ahead from 128.
const bulkMin = 128

// hasAVX2 reports whether the CPU has AVX2 and the operating system saves the YMM
// registers across context switches; otherwise the SSE2 routine runs, which every amd64
// CPU has. It is a variable so that the tests can run both routines on one machine.
var hasAVX2 = detectAVX2()

// maskBulk XORs the largest multiple of 16 bytes at the start of b with key repeated, and
// returns how many bytes it masked. key must already be rotated to the key position of
// b[0]. It is written in assembly (mask_amd64.s) and picks the AVX2 loop or the SSE2 loop
// from hasAVX2 itself: a Go function choosing between two assembly ones would not be
// inlined, and the extra call costs more than the vector loop saves on short payloads.
//
//go:noescape
func maskBulk(b []byte, key uint32) int
