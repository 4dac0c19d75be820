package ws

import (
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// TestTrim: Trim drops a message buffer that grew beyond keep once its message is over, keeps
// a smaller one, and leaves a message in progress alone; either way the stream goes on.
func TestTrim(t *testing.T) {
	big := strings.Repeat("x", 1000)
	tests := []struct {
		name        string
		first, rest []byte // Trim runs between the two
		wantKept    bool   // the message buffer survives Trim
		want        []gotEvent
	}{
		{
			name:  "large message, over",
			first: cat(cf(false, frame.OpText, big), cf(true, frame.OpContinuation, big)),
			rest:  cat(cf(false, frame.OpText, "a"), cf(true, frame.OpContinuation, "b")),
			want:  []gotEvent{msg(frame.OpText, big+big), msg(frame.OpText, "ab")},
		},
		{
			name:     "small message, over",
			first:    cat(cf(false, frame.OpText, "ab"), cf(true, frame.OpContinuation, "cd")),
			rest:     cat(cf(false, frame.OpText, "a"), cf(true, frame.OpContinuation, "b")),
			wantKept: true,
			want:     []gotEvent{msg(frame.OpText, "abcd"), msg(frame.OpText, "ab")},
		},
		{
			name:     "large message, between its frames",
			first:    cf(false, frame.OpText, big),
			rest:     cf(true, frame.OpContinuation, big),
			wantKept: true,
			want:     []gotEvent{msg(frame.OpText, big+big)},
		},
		{
			name:     "large message, inside a frame",
			first:    cat(cf(false, frame.OpText, big), cf(true, frame.OpContinuation, big)[:100]),
			rest:     cf(true, frame.OpContinuation, big)[100:],
			wantKept: true,
			want:     []gotEvent{msg(frame.OpText, big+big)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine(Config{})
			var got []gotEvent
			run := func(b []byte) {
				for b = append([]byte(nil), b...); ; {
					ev, n, err := e.Parse(b)
					if err != nil {
						t.Fatal(err)
					}
					b = b[n:]
					if ev.Kind == EventNone {
						return
					}
					got = append(got, gotEvent{ev.Kind, ev.Opcode, string(ev.Data), ev.Final, ev.Code})
				}
			}
			run(tt.first)
			e.Trim(512)
			if kept := e.MessageMemory() > 0; kept != tt.wantKept {
				t.Errorf("message buffer kept: %v (%d bytes); want %v", kept, e.MessageMemory(), tt.wantKept)
			}
			run(tt.rest)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}
