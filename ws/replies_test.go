package ws

import (
	"bytes"
	"testing"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// sentFrame is a frame the engine queued, decoded for comparison.
type sentFrame struct {
	Opcode frame.Opcode
	Data   string
}

// decodeFrames splits unmasked server frames.
func decodeFrames(t *testing.T, b []byte) []sentFrame {
	t.Helper()
	var out []sentFrame
	for len(b) > 0 {
		h, n, err := frame.ParseHeader(b)
		if err != nil || n == 0 || h.Masked {
			t.Fatalf("queued bytes % x: header %+v, %d, %v", b, h, n, err)
		}
		out = append(out, sentFrame{h.Opcode, string(b[n : n+int(h.Length)])})
		b = b[n+int(h.Length):]
	}
	return out
}

// TestEngineReplies: the engine itself queues what RFC 6455 obliges an endpoint to answer,
// so that every driver sends the same bytes.
func TestEngineReplies(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		sendOur bool // our close frame goes out before the input is parsed
		want    []sentFrame
	}{
		{"§5.5.2 a ping is answered with a pong of the same data", cf(true, frame.OpPing, "hi"),
			false, []sentFrame{{frame.OpPong, "hi"}}},
		{"§5.5.3 pings not yet answered: a pong for the latest only", cat(cf(true, frame.OpPing, "1"), cf(true, frame.OpPing, "2")),
			false, []sentFrame{{frame.OpPong, "2"}}},
		{"§5.5.3 then §5.5.1: the latest pong, then the close echo", cat(cf(true, frame.OpPing, "1"), cf(true, frame.OpPing, "2"), cf(true, frame.OpClose, "\x03\xe8")),
			false, []sentFrame{{frame.OpPong, "2"}, {frame.OpClose, "\x03\xe8"}}},
		{"§5.5.1 a close is echoed with its code and reason", cf(true, frame.OpClose, "\x0f\xa0bye \xc3\xa9"),
			false, []sentFrame{{frame.OpClose, "\x0f\xa0bye \xc3\xa9"}}},
		{"§5.5.1 a close without a code is answered without one", cf(true, frame.OpClose, ""),
			false, []sentFrame{{frame.OpClose, ""}}},
		{"§7.1.7 a protocol error queues a close with 1002", cf(true, 0x3, ""),
			false, []sentFrame{{frame.OpClose, "\x03\xea"}}},
		{"§8.1 invalid UTF-8 queues a close with 1007", cf(true, frame.OpText, "\xff"),
			false, []sentFrame{{frame.OpClose, "\x03\xef"}}},
		{"§5.5.1 a malformed close is answered with 1002", cf(true, frame.OpClose, "\x03"),
			false, []sentFrame{{frame.OpClose, "\x03\xea"}}},
		{"§5.5.1 after our close, a ping gets no pong", cf(true, frame.OpPing, "late"),
			true, nil},
		{"§5.5.1 after our close, the peer's close is not echoed", cf(true, frame.OpClose, "\x03\xe8"),
			true, nil},
		{"§5.5.1 after our close, an error sends no second close", cf(true, 0x3, ""),
			true, nil},
		{"messages queue nothing", cf(true, frame.OpText, "hello"), false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine(Config{})
			if tt.sendOur {
				if _, err := e.AppendClose(nil, frame.CloseNormal, ""); err != nil {
					t.Fatal(err)
				}
			}
			b := tt.in
			for len(b) > 0 {
				ev, n, err := e.Parse(b)
				b = b[n:]
				if err != nil || ev.Kind == EventNone {
					break
				}
			}
			got := decodeFrames(t, e.AppendReplies(nil))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("queued replies (-want +got):\n%s", diff)
			}
			if again := e.AppendReplies(nil); len(again) != 0 {
				t.Errorf("AppendReplies gave % x a second time", again)
			}
		})
	}
}

// TestEngineRepliesBounded: a ping flood parsed by a driver that never drains queues one
// pong, not one per ping.
func TestEngineRepliesBounded(t *testing.T) {
	e := NewEngine(Config{})
	ping := cf(true, frame.OpPing, string(make([]byte, 125)))
	for range 10000 {
		if _, _, err := e.Parse(bytes.Clone(ping)); err != nil {
			t.Fatal(err)
		}
	}
	if got := decodeFrames(t, e.AppendReplies(nil)); len(got) != 1 || got[0].Opcode != frame.OpPong {
		t.Errorf("after 10000 pings, queued %d frames; want one pong", len(got))
	}
}
