package ws

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

var testKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// cf builds a masked client frame.
func cf(fin bool, op frame.Opcode, payload string) []byte {
	return frame.AppendFrame(nil, frame.Header{Fin: fin, Opcode: op, Masked: true, Mask: testKey}, []byte(payload))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

type gotEvent struct {
	Kind   EventKind
	Opcode frame.Opcode
	Data   string
	Final  bool
	Code   frame.CloseCode
}

// feed runs the stream through an engine in chunks of chunk bytes (0: all at once), the way
// a driver does: keep unconsumed bytes, append the next chunk, parse until EventNone.
func feed(cfg Config, stream []byte, chunk int) ([]gotEvent, error) {
	e := NewEngine(cfg)
	var got []gotEvent
	var buf []byte
	in := bytes.Clone(stream)
	for len(in) > 0 || len(buf) > 0 {
		step := len(in)
		if chunk > 0 {
			step = min(chunk, len(in))
		}
		buf = append(buf, in[:step]...)
		in = in[step:]
		for {
			ev, n, err := e.Parse(buf)
			buf = buf[n:]
			if err != nil {
				return got, err
			}
			if ev.Kind == EventNone {
				break
			}
			got = append(got, gotEvent{ev.Kind, ev.Opcode, string(ev.Data), ev.Final, ev.Code})
		}
		if step == 0 {
			break
		}
	}
	return got, nil
}

func msg(op frame.Opcode, s string) gotEvent {
	return gotEvent{Kind: EventMessage, Opcode: op, Data: s}
}

func TestEngineParse(t *testing.T) {
	long := strings.Repeat("x", 70000)
	tests := []struct {
		name    string
		cfg     Config
		stream  []byte
		want    []gotEvent
		wantErr error
	}{
		{"§5.6 single text message", Config{}, cf(true, frame.OpText, "Hello"), []gotEvent{msg(frame.OpText, "Hello")}, nil},
		{"§5.6 empty binary message", Config{}, cf(true, frame.OpBinary, ""), []gotEvent{msg(frame.OpBinary, "")}, nil},
		{"§5.2 64-bit length message", Config{}, cf(true, frame.OpBinary, long), []gotEvent{msg(frame.OpBinary, long)}, nil},
		{"§5.4 fragmented text", Config{}, cat(cf(false, frame.OpText, "Hel"), cf(false, frame.OpContinuation, ""), cf(true, frame.OpContinuation, "lo")), []gotEvent{msg(frame.OpText, "Hello")}, nil},
		{"§5.4 ping between fragments is delivered first", Config{}, cat(cf(false, frame.OpText, "Hel"), cf(true, frame.OpPing, "p"), cf(true, frame.OpContinuation, "lo")),
			[]gotEvent{{Kind: EventPing, Data: "p"}, msg(frame.OpText, "Hello")}, nil},
		{"§5.5.3 pong", Config{}, cf(true, frame.OpPong, "x"), []gotEvent{{Kind: EventPong, Data: "x"}}, nil},
		{"§5.5.1 close with code and reason", Config{}, cf(true, frame.OpClose, "\x03\xe8bye"), []gotEvent{{Kind: EventClose, Code: 1000, Data: "bye"}}, nil},
		{"§7.1.5 close without code", Config{}, cf(true, frame.OpClose, ""), []gotEvent{{Kind: EventClose, Code: frame.CloseNoStatus}}, nil},
		{"§5.5.1 nothing after close is delivered", Config{}, cat(cf(true, frame.OpClose, ""), cf(true, frame.OpText, "late")), []gotEvent{{Kind: EventClose, Code: frame.CloseNoStatus}}, nil},
		{"§5.5.1 close payload of 1 byte", Config{}, cf(true, frame.OpClose, "\x03"), nil, frame.ErrCloseLength},
		{"§7.4.1 close code 999", Config{}, cf(true, frame.OpClose, "\x03\xe7"), nil, frame.ErrCloseCode},
		{"§7.4.1 close code 1005 on the wire", Config{}, cf(true, frame.OpClose, "\x03\xed"), nil, frame.ErrCloseCode},
		{"§7.4.2 close code 3000", Config{}, cf(true, frame.OpClose, "\x0b\xb8"), []gotEvent{{Kind: EventClose, Code: 3000}}, nil},
		{"§5.5.1 close reason MUST be UTF-8", Config{}, cf(true, frame.OpClose, "\x03\xe8\xff"), nil, frame.ErrCloseReasonEncoding},
		{"§8.1 invalid UTF-8 text fails with 1007", Config{}, cf(true, frame.OpText, "a\xffb"), nil, ErrInvalidUTF8},
		{"§8.1 UTF-8 split across fragments", Config{}, cat(cf(false, frame.OpText, "\xce"), cf(true, frame.OpContinuation, "\xba")), []gotEvent{msg(frame.OpText, "κ")}, nil},
		{"§8.1 truncated UTF-8 at message end", Config{}, cat(cf(false, frame.OpText, "a"), cf(true, frame.OpContinuation, "\xce")), nil, ErrInvalidUTF8},
		{"§8.1 fails before the message ends", Config{}, cf(false, frame.OpText, "\xed\xa0\x80"), nil, ErrInvalidUTF8},
		{"validation off passes invalid text", Config{SkipUTF8Validation: true}, cf(true, frame.OpText, "\xff"), []gotEvent{msg(frame.OpText, "\xff")}, nil},
		{"binary is never validated", Config{}, cf(true, frame.OpBinary, "\xff"), []gotEvent{msg(frame.OpBinary, "\xff")}, nil},
		{"§5.1 unmasked client frame", Config{}, frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: frame.OpText}, []byte("x")), nil, frame.ErrUnmasked},
		{"§5.4 continuation first", Config{}, cf(true, frame.OpContinuation, "x"), nil, frame.ErrUnexpectedContinue},
		{"§5.4 interleaved data frames", Config{}, cat(cf(false, frame.OpText, "a"), cf(true, frame.OpBinary, "b")), nil, frame.ErrExpectedContinue},
		{"§5.2 reserved opcode", Config{}, cf(true, 0x3, ""), nil, frame.ErrReservedOpcode},
		{"§5.5 fragmented ping", Config{}, cf(false, frame.OpPing, ""), nil, frame.ErrControlFragmented},
		{"§10.4 frame over the limit: 1009", Config{MaxFrameSize: 4}, cf(true, frame.OpBinary, "12345"), nil, frame.ErrFrameTooBig},
		{"§10.4 message over the limit: 1009", Config{MaxMessageSize: 4}, cat(cf(false, frame.OpBinary, "123"), cf(true, frame.OpContinuation, "45")), nil, ErrMessageTooBig},
		{"message at the limit", Config{MaxMessageSize: 5}, cat(cf(false, frame.OpBinary, "123"), cf(true, frame.OpContinuation, "45")), []gotEvent{msg(frame.OpBinary, "12345")}, nil},
		{"§5.1 client role: masked server frame", Config{Role: frame.RoleClient}, cf(true, frame.OpText, "x"), nil, frame.ErrMasked},
		{"client role: unmasked text", Config{Role: frame.RoleClient}, frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: frame.OpText}, []byte("hi")), []gotEvent{msg(frame.OpText, "hi")}, nil},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 1, 2, 3, 7, 1000} {
			t.Run(fmt.Sprintf("%s/chunk=%d", tt.name, chunk), func(t *testing.T) {
				got, err := feed(tt.cfg, tt.stream, chunk)
				if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
					t.Fatalf("err = %v; want %v", err, tt.wantErr)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestEngineFailFast checks that invalid UTF-8 is reported as soon as its first bad byte
// arrives, with the rest of the frame still missing (RFC 6455 §8.1, Autobahn 6.4.*).
func TestEngineFailFast(t *testing.T) {
	stream := cf(true, frame.OpText, "κόσμε\xf4\x90\x80\x80edited")
	cut := bytes.Index(stream, []byte{0xf4 ^ testKey[(len("κόσμε"))%4]}) // masked 0xf4
	if cut < 0 {
		t.Fatal("test stream lost its marker byte")
	}
	e := NewEngine(Config{})
	buf := bytes.Clone(stream[:cut+2]) // header, valid prefix, 0xF4 0x90: invalid already
	_, _, err := e.Parse(buf)
	if !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("after 0xF4 0x90: err = %v; want ErrInvalidUTF8 before the frame is complete", err)
	}
	if frame.CloseCodeOf(err) != frame.CloseInvalidPayload {
		t.Errorf("close code %v; want 1007", frame.CloseCodeOf(err))
	}
}

func TestEngineStream(t *testing.T) {
	stream := cat(cf(false, frame.OpText, "Hel"), cf(true, frame.OpPing, ""), cf(true, frame.OpContinuation, "lo"))
	got, err := feed(Config{Stream: true}, stream, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []gotEvent{
		{Kind: EventFragment, Opcode: frame.OpText, Data: "Hel"},
		{Kind: EventPing},
		{Kind: EventFragment, Opcode: frame.OpText, Data: "lo", Final: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestEngineAppend(t *testing.T) {
	e := NewEngine(Config{})
	out := e.AppendMessage(nil, frame.OpText, []byte("Hello"), false)
	if diff := cmp.Diff([]byte("\x81\x05Hello"), out); diff != "" {
		t.Errorf("§5.1 server frames are unmasked (-want +got):\n%s", diff)
	}
	out, err := e.AppendClose(nil, frame.CloseNormal, "bye")
	if err != nil || !bytes.Equal(out, []byte("\x88\x05\x03\xe8bye")) {
		t.Errorf("AppendClose = %x, %v", out, err)
	}
	if _, err := e.AppendClose(nil, frame.CloseNormal, ""); !errors.Is(err, ErrCloseSent) {
		t.Errorf("§5.5.1 second close: err = %v; want ErrCloseSent", err)
	}
	if _, err := e.AppendPing(nil, make([]byte, 126)); !errors.Is(err, ErrControlPayloadTooLong) {
		t.Errorf("§5.5 ping of 126 bytes: err = %v", err)
	}

	c := NewEngine(Config{Role: frame.RoleClient})
	out = c.AppendMessage(nil, frame.OpBinary, []byte("abc"), false)
	h, n, err := frame.ParseHeader(out)
	if err != nil || !h.Masked {
		t.Fatalf("§5.3 client frames MUST be masked: %+v %v", h, err)
	}
	p := bytes.Clone(out[n:])
	frame.Mask(h.Mask, 0, p)
	if string(p) != "abc" {
		t.Errorf("client payload unmasks to %q", p)
	}
	k1 := c.masker.next()
	k2 := c.masker.next()
	if k1 == k2 {
		t.Errorf("§5.3 two consecutive masking keys are equal: %x", k1)
	}
}

func TestEngineZeroAllocs(t *testing.T) {
	e := NewEngine(Config{})
	stream := cat(cf(true, frame.OpText, strings.Repeat("é", 300)), cf(false, frame.OpBinary, "ab"), cf(true, frame.OpContinuation, "cd"), cf(true, frame.OpPing, "p"))
	buf := make([]byte, len(stream))
	out := make([]byte, 0, 4096)
	run := func() {
		copy(buf, stream) // Parse unmasks in place
		b := buf
		for len(b) > 0 {
			ev, n, err := e.Parse(b)
			if err != nil || ev.Kind == EventNone {
				t.Fatalf("Parse: %v %v", ev.Kind, err)
			}
			b = b[n:]
			out = e.AppendMessage(out[:0], frame.OpBinary, ev.Data, false)
		}
	}
	run()
	if allocs := testing.AllocsPerRun(100, run); allocs != 0 {
		t.Errorf("allocs per run = %v; want 0", allocs)
	}
}

func BenchmarkEngineRead(b *testing.B) {
	for _, size := range []int{16, 1024, 65536} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			one := cf(true, frame.OpText, strings.Repeat("a", size))
			stream := bytes.Repeat(one, max(1, 65536/len(one)))
			buf := make([]byte, len(stream))
			e := NewEngine(Config{})
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			for b.Loop() {
				copy(buf, stream)
				for p := buf; len(p) > 0; {
					_, n, err := e.Parse(p)
					if err != nil {
						b.Fatal(err)
					}
					p = p[n:]
				}
			}
		})
	}
}

// TestMalformedCloseIsReceived: a close frame that breaks a header rule (RFC 6455 §5.5: a
// control payload of at most 125 bytes, FIN set, no RSV bits) still ends the peer's side,
// so the engine reports CloseReceived and the server closes TCP at once (§7.1.1).
func TestMalformedCloseIsReceived(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  bool
	}{
		{"126-byte close", cf(true, frame.OpClose, "\x03\xe8"+strings.Repeat("*", 124)), true},
		{"fragmented close", cf(false, frame.OpClose, "\x03\xe8"), true},
		{"126-byte ping", cf(true, frame.OpPing, strings.Repeat("*", 126)), false},
	}
	for _, tt := range tests {
		e := NewEngine(Config{})
		_, _, err := e.Parse(tt.frame)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		}
		if got := e.CloseReceived(); got != tt.want {
			t.Errorf("%s: CloseReceived %v; want %v", tt.name, got, tt.want)
		}
	}
}
