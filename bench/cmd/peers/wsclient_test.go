package main

import (
	"bufio"
	"bytes"
	"testing"
)

// serverFrame builds an unmasked server frame (RFC 6455 §5.1: a server never masks).
func serverFrame(fin bool, op byte, payload []byte) []byte {
	f := maskedFrame(op, payload, false)
	if !fin {
		f[0] &^= 0x80
	}
	// Drop the mask bit and key, and unmask the payload again.
	hl := len(f) - len(payload) - 4
	mask := f[hl : hl+4]
	out := append([]byte{}, f[:hl]...)
	out[1] &^= 0x80
	for i := range payload {
		out = append(out, f[hl+4+i]^mask[i&3])
	}
	return out
}

func TestReplyCounter(t *testing.T) {
	one := serverFrame(true, 2, bytes.Repeat([]byte{7}, 16))
	mid := serverFrame(true, 2, bytes.Repeat([]byte{7}, 1024))                        // 16-bit length, RFC 6455 §5.2
	big := serverFrame(true, 2, bytes.Repeat([]byte{7}, 70000))                       // 64-bit length, RFC 6455 §5.2
	frag := append(serverFrame(false, 2, []byte("ab")), serverFrame(true, 0, nil)...) // RFC 6455 §5.4
	tests := []struct {
		name   string
		stream []byte
		chunk  int // feed the stream in pieces of this size
		want   int
	}{
		{"one small frame whole", one, len(one), 1},
		{"one small frame byte by byte", one, 1, 1},
		{"eight 1 KiB frames in one read", bytes.Repeat(mid, 8), 8 * len(mid), 8},
		{"1 KiB frames split across header bytes", bytes.Repeat(mid, 3), 3, 3},
		{"64-bit length in 1000-byte reads", big, 1000, 1},
		{"fragmented message counts once at FIN (RFC 6455 §5.4)", frag, 1, 1},
		{"partial frame counts nothing", one[:len(one)-1], 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rc replyCounter
			got := 0
			for p := tt.stream; len(p) > 0; {
				n := min(tt.chunk, len(p))
				msgs, err := rc.feed(p[:n])
				if err != nil {
					t.Fatal(err)
				}
				got += msgs
				p = p[n:]
			}
			if got != tt.want {
				t.Errorf("messages = %d, want %d", got, tt.want)
			}
		})
	}
}

// A masked frame or a control frame from the server is an error (RFC 6455 §5.1, §5.5).
func TestReplyCounterRejects(t *testing.T) {
	for name, stream := range map[string][]byte{
		"masked frame": maskedFrame(2, []byte("x"), false),
		"close frame":  serverFrame(true, 8, nil),
	} {
		var rc replyCounter
		if _, err := rc.feed(stream); err == nil {
			t.Errorf("%s: feed accepted % x", name, stream)
		}
	}
}

// readMessage reassembles fragments and inflates a compressed reply (RFC 7692 §6).
func TestReadMessage(t *testing.T) {
	msg := payload(2048, true)
	comp := serverFrame(true, 1, deflateMessage(msg))
	comp[0] |= 0x40
	tests := []struct {
		name   string
		stream []byte
		want   []byte
	}{
		{"plain", serverFrame(true, 2, msg), msg},
		{"fragmented", append(serverFrame(false, 2, msg[:100]), serverFrame(true, 0, msg[100:])...), msg},
		{"compressed", comp, msg},
	}
	for _, tt := range tests {
		got, err := readMessage(bufio.NewReader(bytes.NewReader(tt.stream)), 1<<20)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("%s: got %d bytes, %v; want %d bytes", tt.name, len(got), err, len(tt.want))
		}
	}
}
