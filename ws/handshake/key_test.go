package handshake_test

import (
	"encoding/base64"
	"testing"

	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

func TestAcceptKey(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want string
	}{
		{"RFC 6455 §4.2.2 step 5.4 worked example", exampleKey, exampleAccept},
		// Values computed independently with `printf %s KEY258EAFA5-E914-47DA-95CA-C5AB0DC85B11 | openssl sha1 -binary | base64`.
		{"RFC 6455 §4.1 step 7 example key", "AQIDBAUGBwgJCgsMDQ4PEC==", "OfS0wDaT5NoxF2gqm7Zj2YtetzM="},
		{"RFC 6455 §4.2.2: same 16 bytes as the row above, but the key is hashed as sent", "AQIDBAUGBwgJCgsMDQ4PEA==", "C/0nmHhBztSRGR1CwL6Tf4ZjwpY="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, handshake.AcceptKey(tt.key)); diff != "" {
				t.Errorf("AcceptKey(%q) mismatch (-want +got):\n%s", tt.key, diff)
			}
		})
	}
}

// TestNewKey checks RFC 6455 §4.1 step 7: base64 of 16 bytes, fresh for each connection.
func TestNewKey(t *testing.T) {
	seen := map[string]bool{}
	for range 64 {
		key, err := handshake.NewKey()
		if err != nil {
			t.Fatalf("NewKey: %v", err)
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(key)
		if err != nil || len(raw) != 16 {
			t.Fatalf("NewKey() = %q: decodes to %d bytes, %v; want 16", key, len(raw), err)
		}
		if seen[key] {
			t.Fatalf("NewKey() repeated %q", key)
		}
		seen[key] = true
	}
}
