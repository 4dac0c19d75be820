//go:build amd64 && !purego

package frame

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// forEachBulkRoutine runs f once per assembly routine this CPU can execute, switching
// hasAVX2 so that the SSE2 routine is tested on AVX2 machines too.
func forEachBulkRoutine(t *testing.T, f func(t *testing.T)) {
	saved := hasAVX2
	t.Cleanup(func() { hasAVX2 = saved })
	if saved {
		hasAVX2 = true
		t.Run("avx2", f)
	} else {
		t.Log("CPU or OS without AVX2: only the SSE2 routine is tested")
	}
	hasAVX2 = false
	t.Run("sse2", f)
	hasAVX2 = saved
}

// TestMaskBulkCount checks that the bulk routines stop at the last whole 16 bytes, leaving
// the tail to Go: a count that is not a multiple of 4 would shift the key for the tail.
func TestMaskBulkCount(t *testing.T) {
	tests := []struct {
		n, want int
	}{
		{0, 0}, {15, 0}, {16, 16}, {31, 16}, {32, 32}, {127, 112}, {128, 128},
		{129, 128}, {143, 128}, {144, 144}, {1000, 992},
	}
	forEachBulkRoutine(t, func(t *testing.T) {
		for _, tt := range tests {
			got := maskBulk(make([]byte, tt.n), 0)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("maskBulk(len %d) (-want +got):\n%s", tt.n, diff)
			}
		}
	})
}

// TestDetectAVX2Stable checks that the CPUID/XGETBV probe is deterministic and agrees with
// the value computed at package initialisation.
func TestDetectAVX2Stable(t *testing.T) {
	if diff := cmp.Diff(hasAVX2, detectAVX2()); diff != "" {
		t.Errorf("detectAVX2 (-init +now):\n%s", diff)
	}
}
