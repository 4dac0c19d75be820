package server

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOutputSize: the buffer a connection's next output starts from follows a larger output
// at once, with a quarter to spare, and falls by one class only after eight smaller outputs
// in a row, never beyond maxOutputClass.
func TestOutputSize(t *testing.T) {
	tests := []struct {
		name    string
		outputs []int // lengths of the outputs given back, in order
		want    int   // bytes of the next output's buffer
	}{
		{"none yet", nil, 1},
		{"one small", []int{100}, 512},
		{"a quarter to spare", []int{13 << 10}, 32 << 10},
		{"up at once", []int{1 << 10, 100 << 10}, 128 << 10},
		{"seven smaller keep it", []int{100 << 10, 1, 1, 1, 1, 1, 1, 1}, 128 << 10},
		{"the eighth lowers it a class", []int{100 << 10, 1, 1, 1, 1, 1, 1, 1, 1}, 64 << 10},
		{"a larger one in between restarts the count",
			[]int{100 << 10, 1, 1, 1, 1, 1, 1, 1, 90 << 10, 1}, 128 << 10},
		{"one as large restarts it too", []int{20 << 10, 1, 1, 1, 1, 1, 1, 1, 20 << 10, 1, 1, 1, 1, 1, 1, 1}, 32 << 10},
		{"capped", []int{64 << 20}, 1 << maxOutputClass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s outputSize
			for _, n := range tt.outputs {
				s = s.after(n)
			}
			if diff := cmp.Diff(tt.want, s.bytes()); diff != "" {
				t.Errorf("next output's buffer (-want +got):\n%s", diff)
			}
		})
	}
}
