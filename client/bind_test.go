package client

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestBind: a dial step's context comes off the socket when the step ends in time, and the
// socket reads again; when the context ended first, release says the socket is not usable,
// however late its interruption lands. (A dial whose deadline struck just as its handshake
// completed used to return a connection whose deadline the context's goroutine then put in
// the past.)
func TestBind(t *testing.T) {
	tests := []struct {
		name        string
		endFirst    bool // the context ends before release
		wantUsable  bool
		wantReadErr bool // a read after release fails (a deadline in the past)
	}{
		{"in time", false, true, false},
		{"context ended first", true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			release := bind(ctx, a)
			if tt.endFirst {
				cancel()
			}
			type result struct{ Usable, ReadErr bool }
			got := result{Usable: release()}
			if tt.endFirst {
				// The interruption runs on a goroutine of its own: wait until it landed.
				for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
					if _, err := a.Read(make([]byte, 1)); err != nil {
						got.ReadErr = true
						break
					}
				}
			} else {
				go b.Write([]byte{1})
				_, err := a.Read(make([]byte, 1))
				got.ReadErr = err != nil
			}
			if diff := cmp.Diff(result{tt.wantUsable, tt.wantReadErr}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
