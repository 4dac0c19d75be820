package frame

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

type readFrame struct {
	H       Header
	Payload string
}

// readAll reads every frame of a stream through a Reader, collecting headers and payloads.
func readAll(src io.Reader, role Role, bufSize int) ([]readFrame, error) {
	r := NewReader(src, role, 0, 1<<20, bufSize)
	var out []readFrame
	for {
		h, err := r.Next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
		p, err := io.ReadAll(r)
		if err != nil {
			return out, err
		}
		out = append(out, readFrame{h, string(p)})
	}
}

func TestReaderShortReads(t *testing.T) {
	key := [4]byte{9, 8, 7, 6}
	mh := func(fin bool, op Opcode) Header { return Header{Fin: fin, Opcode: op, Masked: true, Mask: key} }
	long := string(bytes.Repeat([]byte("0123456789"), 700))
	var stream []byte
	want := []readFrame{
		{mh(false, OpText), "Hel"},
		{mh(true, OpPing), "ping"},
		{mh(true, OpContinuation), "lo"},
		{mh(true, OpBinary), long},
		{mh(true, OpBinary), ""},
	}
	for i := range want {
		stream = AppendFrame(stream, want[i].H, []byte(want[i].Payload))
		want[i].H.Length = int64(len(want[i].Payload))
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data+EOF": iotest.DataErrReader,
	}
	for name, wrap := range readers {
		for _, size := range []int{0, MaxHeaderLen, 100} {
			got, err := readAll(wrap(bytes.NewReader(stream)), RoleServer, size)
			if err != nil {
				t.Fatalf("%s/%d: %v", name, size, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s/%d (-want +got):\n%s", name, size, diff)
			}
		}
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name   string
		stream []byte
		want   error
	}{
		{"§5.1 unmasked frame to a server", hx("81 00"), ErrUnmasked},
		{"§5.4 continuation first", hx("80 80 00000000"), ErrUnexpectedContinue},
		{"truncated header", hx("81"), io.ErrUnexpectedEOF},
		{"truncated payload", hx("81 85 00000000 4142"), io.ErrUnexpectedEOF},
		{"payload over the limit", hx("82 ff 0000000000200000 00000000"), ErrFrameTooBig},
	}
	for _, tt := range tests {
		_, err := readAll(bytes.NewReader(tt.stream), RoleServer, 0)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v; want %v", tt.name, err, tt.want)
		}
	}
}

func BenchmarkFrameDecode(b *testing.B) {
	frames := AppendFrame(nil, Header{Fin: true, Opcode: OpBinary, Masked: true, Mask: [4]byte{1, 2, 3, 4}}, make([]byte, 1024))
	b.SetBytes(int64(len(frames)))
	b.ReportAllocs()
	for b.Loop() {
		h, n, err := ParseHeader(frames)
		if err != nil || n == 0 {
			b.Fatal(err)
		}
		if err := h.Check(RoleServer, 0); err != nil {
			b.Fatal(err)
		}
		Mask(h.Mask, 0, frames[n:])
	}
}
