package fuzz

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type engineEvent struct {
	Kind   ws.EventKind
	Opcode frame.Opcode
	Data   string
	Final  bool
	Code   frame.CloseCode
}

// runEngine feeds stream to a server-role engine in the pieces cuts describes (each byte a
// piece length, modulo what is left plus one; then the rest), the way a driver does, and
// returns the events and the error. Limits are small so no input can make it allocate much.
// With direct, a piece that arrives while the engine waits for payload and the driver's
// buffer is empty goes straight into PayloadSpace, as the server's drivers read large frames.
func runEngine(stream, cuts []byte, stream2, direct bool) ([]engineEvent, error) {
	e := ws.NewEngine(ws.Config{MaxFrameSize: 1 << 16, MaxMessageSize: 1 << 17, Stream: stream2})
	var evs []engineEvent
	var buf []byte
	in := bytes.Clone(stream)
	for i := 0; len(in) > 0; i++ {
		step := len(in)
		if i < len(cuts) {
			step = int(cuts[i]) % (len(in) + 1)
		}
		if space := e.PayloadSpace(); direct && len(buf) == 0 && len(space) > 0 {
			n := copy(space, in[:step])
			in = in[n:]
			ev, err := e.PayloadRead(n)
			if err != nil {
				return evs, err
			}
			if ev.Kind != ws.EventNone {
				evs = append(evs, engineEvent{ev.Kind, ev.Opcode, string(ev.Data), ev.Final, ev.Code})
			}
			continue
		}
		buf = append(buf, in[:step]...)
		in = in[step:]
		for {
			ev, n, err := e.Parse(buf)
			if n < 0 || n > len(buf) {
				panic("Parse consumed outside its input")
			}
			buf = buf[n:]
			if err != nil {
				return evs, err
			}
			if ev.Kind == ws.EventNone {
				break
			}
			evs = append(evs, engineEvent{ev.Kind, ev.Opcode, string(ev.Data), ev.Final, ev.Code})
		}
	}
	return evs, nil
}

// FuzzEngineServer feeds arbitrary bytes, in arbitrary chunks, to the server-side engine. It
// must not panic, and how the bytes are chunked, and whether payload is read through Parse or
// straight into PayloadSpace, must not change what it finds: the events and the error are
// the same as for the whole input at once. (Fail-fast UTF-8 may stop a
// chunked run earlier than the whole run only by reporting the same error.)
func FuzzEngineServer(f *testing.F) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	mf := func(fin bool, op frame.Opcode, p string) []byte {
		return frame.AppendFrame(nil, frame.Header{Fin: fin, Opcode: op, Masked: true, Mask: key}, []byte(p))
	}
	cat := func(b ...[]byte) []byte { return bytes.Join(b, nil) }
	f.Add(mf(true, frame.OpText, "Hello"), []byte{1, 2, 3})
	f.Add(cat(mf(false, frame.OpText, "Hel"), mf(true, frame.OpPing, "p"), mf(true, frame.OpContinuation, "lo")), []byte{5, 0, 7})
	f.Add(mf(true, frame.OpClose, "\x03\xe8bye"), []byte{})
	f.Add(mf(true, frame.OpText, "\xce\xba\xed\xa0\x80"), []byte{2, 1, 1, 1, 1})
	f.Add(cat(mf(false, frame.OpBinary, "a"), mf(true, frame.OpText, "b")), []byte{})
	f.Add([]byte{0x82, 0xff, 0, 0, 0, 0, 0xff, 0, 0, 0, 1, 2, 3, 4}, []byte{3})
	// A frame that arrives in pieces, so the direct run reads most of it into PayloadSpace.
	f.Add(cat(mf(false, frame.OpText, strings.Repeat("é", 150)), mf(true, frame.OpContinuation, "\xff")), []byte{10, 50, 100, 7})
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		for _, run := range []struct{ streaming, direct bool }{{false, false}, {true, false}, {false, true}} {
			streaming := run.streaming
			wantEvs, wantErr := runEngine(stream, nil, streaming, false)
			gotEvs, gotErr := runEngine(stream, cuts, streaming, run.direct)
			if !errors.Is(gotErr, wantErr) || (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("stream=%v direct=%v: chunked error %v; whole error %v", streaming, run.direct, gotErr, wantErr)
			}
			if streaming {
				// Pieces follow the chunking; compare their concatenation per message. A
				// message the error cut short may have delivered some pieces in one run
				// and none in the other, so an unfinished last message is left out.
				gotEvs, wantEvs = joinFragments(gotEvs, gotErr != nil), joinFragments(wantEvs, wantErr != nil)
			}
			if diff := cmp.Diff(wantEvs, gotEvs, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("stream=%v direct=%v: chunking changed the events (-whole +chunked):\n%s", streaming, run.direct, diff)
			}
		}
	})
}

func joinFragments(evs []engineEvent, dropUnfinished bool) []engineEvent {
	var out []engineEvent
	var cur *engineEvent
	for _, ev := range evs {
		if ev.Kind != ws.EventFragment {
			out = append(out, ev)
			continue
		}
		if cur == nil {
			out = append(out, engineEvent{Kind: ws.EventFragment, Opcode: ev.Opcode})
			cur = &out[len(out)-1]
		}
		cur.Data += ev.Data
		if ev.Final {
			cur.Final = true
			cur = nil
		}
	}
	if dropUnfinished && cur != nil {
		out = out[:len(out)-1]
	}
	return out
}
