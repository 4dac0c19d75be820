package deflate

import (
	"testing"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// TestCodecShared: a codec has a shared form exactly when its direction keeps no context
// between messages (RFC 7692 §7.1.1), with the window it compresses under (§7.1.2) and its
// level; a message compressed in that form inflates back on a decoder of that window.
func TestCodecShared(t *testing.T) {
	tests := []struct {
		name   string
		p      Params
		role   frame.Role
		cfg    Config
		want   Shared
		wantOK bool
	}{
		{"server, no context takeover", Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 15}, frame.RoleServer, Config{Level: 1}, Shared{WindowBits: 15, Level: 1}, true},
		{"server, window 9", Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 9}, frame.RoleServer, Config{}, Shared{WindowBits: 9}, true},
		{"server, context takeover", Params{ClientNoContextTakeover: true}, frame.RoleServer, Config{}, Shared{}, false},
		{"client, no context takeover", Params{ClientNoContextTakeover: true, ClientMaxWindowBits: 12}, frame.RoleClient, Config{}, Shared{WindowBits: 12}, true},
	}
	msg := corpusJSON(8 << 10)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NewCodec(tt.p, tt.cfg, tt.role).Shared()
			if diff := cmp.Diff(tt.want, got); diff != "" || ok != tt.wantOK {
				t.Fatalf("Shared() = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
			if !ok {
				return
			}
			out, err := NewDecoder(got.WindowBits, false).AppendDecompress(nil, got.AppendCompress(nil, msg), int64(len(msg)))
			if err != nil || string(out) != string(msg) {
				t.Errorf("a message compressed in %+v does not come back: %v", got, err)
			}
		})
	}
}
