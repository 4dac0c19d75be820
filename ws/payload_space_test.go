package ws

import (
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// TestPayloadSpace: a driver that reads the rest of a frame straight into PayloadSpace gets
// the same events as through Parse, the space never exceeds what the frame lacks or the
// 64 KiB floor, and the UTF-8 check still fails fast (RFC 6455 §8.1) on bytes read this way.
func TestPayloadSpace(t *testing.T) {
	big := strings.Repeat("a", 200<<10)
	tests := []struct {
		name      string
		cfg       Config
		stream    []byte
		head      int // bytes given to Parse first; the rest goes into PayloadSpace
		wantSpace int // len(PayloadSpace()) after the head
		want      []gotEvent
		wantErr   error
	}{
		{"binary tail", Config{}, cf(true, frame.OpBinary, "0123456789"), 8, 8,
			[]gotEvent{{Kind: EventMessage, Opcode: frame.OpBinary, Data: "0123456789"}}, nil},
		{"floor bounds a large frame", Config{}, cf(true, frame.OpText, big), 14 + 1000, directFloor,
			[]gotEvent{{Kind: EventMessage, Opcode: frame.OpText, Data: big}}, nil},
		{"invalid UTF-8 read directly", Config{}, cf(true, frame.OpText, "ab\xffcd"), 7, 4, nil, ErrInvalidUTF8},
		{"streaming offers none", Config{Stream: true}, cf(true, frame.OpBinary, "0123456789"), 8, 0,
			[]gotEvent{{Kind: EventFragment, Opcode: frame.OpBinary, Data: "01"},
				{Kind: EventFragment, Opcode: frame.OpBinary, Data: "23456789", Final: true}}, nil},
		{"control frames offer none", Config{}, cf(true, frame.OpPing, "0123456789"), 8, 0,
			[]gotEvent{{Kind: EventPing, Data: "0123456789"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine(tt.cfg)
			buf := append([]byte(nil), tt.stream...)
			var got []gotEvent
			record := func(ev Event) {
				if ev.Kind != EventNone {
					got = append(got, gotEvent{ev.Kind, ev.Opcode, string(ev.Data), ev.Final, ev.Code})
				}
			}
			ev, n, err := e.Parse(buf[:tt.head])
			record(ev)
			rest := buf[n:]
			firstSpace := -1
			for err == nil && len(rest) > 0 {
				space := e.PayloadSpace()
				if firstSpace < 0 {
					firstSpace = len(space)
				}
				if len(space) == 0 {
					ev, n, err = e.Parse(rest)
					record(ev)
					rest = rest[n:]
					continue
				}
				n := copy(space, rest)
				rest = rest[n:]
				ev, err = e.PayloadRead(n)
				record(ev)
			}
			if firstSpace != tt.wantSpace {
				t.Errorf("PayloadSpace after the head: %d bytes; want %d", firstSpace, tt.wantSpace)
			}
			if err != tt.wantErr {
				t.Errorf("error %v; want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}
