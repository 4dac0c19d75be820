package server

import (
	"bufio"
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// vocabularyProcess returns a started process whose client offered permessage-deflate, with
// the upgrade's limits and compression taken from opts, as initialize sets them.
func vocabularyProcess(t *testing.T, opts Options) *Conn {
	t.Helper()
	s := New(nil, opts)
	o := s.opts.Load()
	o.Logger = slog.New(slog.DiscardHandler)
	req, err := handshake.ReadRequest(bufio.NewReader(strings.NewReader(
		upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate"))), handshake.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	u := &Upgrade{Request: req, Header: map[string][]string{}, IdleTimeout: o.IdleTimeout,
		Compress: o.Compress, MaxFrameSize: o.MaxFrameSize, MaxMessageSize: o.MaxMessageSize}
	c := &Conn{drv: &fakeDriver{}}
	if _, err := s.setup(c, o, u, newHandler()); err != nil {
		t.Fatal("setup refused")
	}
	c.begin(t0)
	return c
}

// rawFrame is a masked client frame with any header bits, including invalid ones.
func rawFrame(h frame.Header, payload []byte) []byte {
	h.Masked, h.Mask = true, [4]byte{9, 8, 7, 6}
	return frame.AppendFrame(nil, h, payload)
}

// TestErrorVocabulary: every error the engine can find in a client's bytes, fed through the
// connection process, has one kind, makes the server send that kind's close code (RFC 6455
// §7.4.1), and reaches Terminate as the matching Cowboy reason. One table for frame, ws and
// deflate: the vocabulary is one.
func TestErrorVocabulary(t *testing.T) {
	bomb := deflate.NewEncoder(15, deflate.DefaultLevel, false).AppendCompress(nil, make([]byte, 4000))
	lengthOverflow := []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 9, 8, 7, 6}
	lengthNotMinimal := []byte{0x82, 0xfe, 0x00, 0x05, 9, 8, 7, 6, 1, 2, 3, 4, 5}
	tests := []struct {
		name string
		in   []byte
		err  error // the specific error, matched with errors.Is
		kind *frame.Kind
		atom string // Cowboy's {error, Atom}
	}{
		{"§5.2 reserved bit", rawFrame(frame.Header{Fin: true, Opcode: frame.OpText, Rsv: frame.RSV2}, nil), frame.ErrReservedBits, frame.ErrBadFrame, "badframe"},
		{"§5.2 reserved opcode", rawFrame(frame.Header{Fin: true, Opcode: 0xb}, nil), frame.ErrReservedOpcode, frame.ErrBadFrame, "badframe"},
		{"§5.5 fragmented control", rawFrame(frame.Header{Opcode: frame.OpPing}, nil), frame.ErrControlFragmented, frame.ErrBadFrame, "badframe"},
		{"§5.5 control over 125 bytes", rawFrame(frame.Header{Fin: true, Opcode: frame.OpPing}, make([]byte, 126)), frame.ErrControlTooLong, frame.ErrBadFrame, "badframe"},
		{"§5.2 64-bit length with the top bit", lengthOverflow, frame.ErrLengthOverflow, frame.ErrBadFrame, "badframe"},
		{"§5.2 length not minimal", lengthNotMinimal, frame.ErrLengthNotMinimal, frame.ErrBadFrame, "badframe"},
		{"§5.1 unmasked client frame", frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: frame.OpText}, nil), frame.ErrUnmasked, frame.ErrBadFrame, "badframe"},
		{"§5.4 continuation with no message", rawFrame(frame.Header{Fin: true, Opcode: frame.OpContinuation}, nil), frame.ErrUnexpectedContinue, frame.ErrBadFrame, "badframe"},
		{"§5.4 new message inside a fragmented one", bytes.Join([][]byte{
			rawFrame(frame.Header{Opcode: frame.OpText}, []byte("a")),
			rawFrame(frame.Header{Fin: true, Opcode: frame.OpText}, []byte("b"))}, nil), frame.ErrExpectedContinue, frame.ErrBadFrame, "badframe"},
		{"RFC 7692 §6 RSV1 on a continuation", bytes.Join([][]byte{
			rawFrame(frame.Header{Opcode: frame.OpBinary}, []byte("a")),
			rawFrame(frame.Header{Fin: true, Opcode: frame.OpContinuation, Rsv: frame.RSV1}, []byte("b"))}, nil), frame.ErrRSVOnContinuation, frame.ErrBadFrame, "badframe"},
		{"RFC 7692 §6 RSV1 on a control frame", rawFrame(frame.Header{Fin: true, Opcode: frame.OpPing, Rsv: frame.RSV1}, nil), frame.ErrRSVOnControl, frame.ErrBadFrame, "badframe"},
		{"§5.5.1 close payload of 1 byte", rawFrame(frame.Header{Fin: true, Opcode: frame.OpClose}, []byte{3}), frame.ErrCloseLength, frame.ErrBadFrame, "badframe"},
		{"§7.4.2 close code 1005 on the wire", rawFrame(frame.Header{Fin: true, Opcode: frame.OpClose}, []byte{0x03, 0xed}), frame.ErrCloseCode, frame.ErrBadFrame, "badframe"},
		{"§5.5.1 close reason not UTF-8", rawFrame(frame.Header{Fin: true, Opcode: frame.OpClose}, []byte{0x03, 0xe8, 0xff}), frame.ErrCloseReasonEncoding, frame.ErrBadEncoding, "badencoding"},
		{"§8.1 text not UTF-8", rawFrame(frame.Header{Fin: true, Opcode: frame.OpText}, []byte{0xc0, 0xaf}), ws.ErrInvalidUTF8, frame.ErrBadEncoding, "badencoding"},
		{"§10.4 frame over MaxFrameSize", rawFrame(frame.Header{Fin: true, Opcode: frame.OpBinary}, make([]byte, 1025)), frame.ErrFrameTooBig, frame.ErrBadSize, "badsize"},
		{"§10.4 message over MaxMessageSize", bytes.Join([][]byte{
			rawFrame(frame.Header{Opcode: frame.OpBinary}, make([]byte, 1000)),
			rawFrame(frame.Header{Fin: true, Opcode: frame.OpContinuation}, make([]byte, 1000))}, nil), ws.ErrMessageTooBig, frame.ErrBadSize, "badsize"},
		{"RFC 7692 §7.2.2 payload that does not inflate", rawFrame(frame.Header{Fin: true, Opcode: frame.OpBinary, Rsv: frame.RSV1}, []byte{0xff}), deflate.ErrCorrupt, frame.ErrBadEncoding, "badencoding"},
		{"§10.4 message that inflates over MaxMessageSize", rawFrame(frame.Header{Fin: true, Opcode: frame.OpBinary, Rsv: frame.RSV1}, bomb), deflate.ErrInflatedTooBig, frame.ErrBadSize, "badsize"},
	}
	kinds := []*frame.Kind{frame.ErrBadFrame, frame.ErrBadEncoding, frame.ErrPolicy, frame.ErrBadSize, frame.ErrExtension}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := vocabularyProcess(t, Options{Compress: true, MaxFrameSize: 1024, MaxMessageSize: 1500})
			c.receive(tt.in)
			re, ok := c.reason.(ReasonError)
			if !ok {
				t.Fatalf("reason %v; want a ReasonError", c.reason)
			}
			if !errors.Is(re.Err, tt.err) {
				t.Errorf("reason's error %v; want %v", re.Err, tt.err)
			}
			var matched []*frame.Kind
			for _, k := range kinds {
				if errors.Is(re.Err, k) {
					matched = append(matched, k)
				}
			}
			if diff := cmp.Diff([]*frame.Kind{tt.kind}, matched, sameKind); diff != "" {
				t.Errorf("kinds matched (-want +got):\n%s", diff)
			}
			code := frame.CloseCodeOf(re.Err)
			if diff := cmp.Diff([]ws.Event{closeEvent(code)}, written(t, c)); diff != "" {
				t.Errorf("server sent (-want +got):\n%s", diff)
			}
			if want := map[*frame.Kind]frame.CloseCode{frame.ErrBadFrame: 1002, frame.ErrBadEncoding: 1007, frame.ErrBadSize: 1009}[tt.kind]; code != want {
				t.Errorf("close code %v; want %v for kind %v", code, want, tt.kind)
			}
			if got, want := re.String(), "{error, "+tt.atom+"}: "+re.Err.Error(); got != want {
				t.Errorf("reason %q; want %q", got, want)
			}
		})
	}
}

// TestErrorsOutsideTheServer: the errors the server cannot meet in a client's bytes (they
// belong to the client role, to negotiation, or to the caller) still have exactly one kind
// and its code, or none and 1011.
func TestErrorsOutsideTheServer(t *testing.T) {
	tests := []struct {
		err  error
		kind *frame.Kind
		code frame.CloseCode
	}{
		{frame.ErrMasked, frame.ErrBadFrame, frame.CloseProtocolError},
		{deflate.ErrResponse, frame.ErrExtension, frame.CloseMandatoryExtension},
		{deflate.ErrConfig, nil, frame.CloseInternalError},
		{ws.ErrCloseSent, nil, frame.CloseInternalError},
		{ws.ErrControlPayloadTooLong, nil, frame.CloseInternalError},
		{ws.ErrUnsendableCode, nil, frame.CloseInternalError},
		{ErrClosed, nil, frame.CloseInternalError},
	}
	for _, tt := range tests {
		var got *frame.Kind
		errors.As(tt.err, &got)
		if got != tt.kind || frame.CloseCodeOf(tt.err) != tt.code {
			t.Errorf("%v: kind %v, code %v; want %v, %v", tt.err, got, frame.CloseCodeOf(tt.err), tt.kind, tt.code)
		}
	}
}

// sameKind compares kinds by identity, which is what errors.Is does.
var sameKind = cmp.Comparer(func(a, b *frame.Kind) bool { return a == b })
