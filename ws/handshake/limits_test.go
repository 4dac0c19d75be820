package handshake

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLimitsWithDefaults: a field zero or negative means its default, as ReadRequest reads
// it; a positive field stays.
func TestLimitsWithDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Limits
		want Limits
	}{
		{"zero value", Limits{}, Limits{MaxHeaderBytes: DefaultMaxHeaderBytes, MaxHeaders: DefaultMaxHeaders}},
		{"negative", Limits{MaxHeaderBytes: -1, MaxHeaders: -5}, Limits{MaxHeaderBytes: DefaultMaxHeaderBytes, MaxHeaders: DefaultMaxHeaders}},
		{"set", Limits{MaxHeaderBytes: 100, MaxHeaders: 3}, Limits{MaxHeaderBytes: 100, MaxHeaders: 3}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.in.WithDefaults()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
