package deflate

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/bronco-ws/bronco/ws/frame"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var hello = []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}

var decoderExampleTests = []struct {
	name     string
	takeover bool
	messages [][]byte // one payload per message, fragments already joined
	want     []string
	wantErr  error // for the last message
}{
	{name: "RFC 7692 §7.2.3.1: one compressed DEFLATE block", messages: [][]byte{hello}, want: []string{"Hello"}},
	{name: "RFC 7692 §7.2.3.1: the same block split over two fragments, joined",
		messages: [][]byte{append([]byte{0xf2, 0x48, 0xcd}, 0xc9, 0xc9, 0x07, 0x00)}, want: []string{"Hello"}},
	{name: "RFC 7692 §7.2.3.2: second message refers into the first (context takeover)", takeover: true,
		messages: [][]byte{hello, {0xf2, 0x00, 0x11, 0x00, 0x00}}, want: []string{"Hello", "Hello"}},
	{name: "RFC 7692 §7.2.3.2: the same bytes without context takeover are corrupt",
		messages: [][]byte{hello, {0xf2, 0x00, 0x11, 0x00, 0x00}}, want: []string{"Hello", ""}, wantErr: ErrCorrupt},
	{name: "RFC 7692 §7.2.3.3: a DEFLATE block with no compression",
		messages: [][]byte{{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}}, want: []string{"Hello"}},
	{name: "RFC 7692 §7.2.3.4: a DEFLATE block with BFINAL set",
		messages: [][]byte{{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}}, want: []string{"Hello"}},
	{name: "RFC 7692 §7.2.3.4: a message after a BFINAL message still decodes", takeover: true,
		messages: [][]byte{{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, {0xf2, 0x00, 0x11, 0x00, 0x00}}, want: []string{"Hello", "Hello"}},
	{name: "RFC 7692 §7.2.3.5: two DEFLATE blocks in one message",
		messages: [][]byte{{0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}}, want: []string{"Hello"}},
	{name: "RFC 7692 §7.2.3.6: an empty fragment, the single octet 0x00, is an empty message",
		messages: [][]byte{{0x00}}, want: []string{""}},
	{name: "RFC 7692 §7.2.3.6: an empty message leaves the shared window alone", takeover: true,
		messages: [][]byte{hello, {0x00}, {0xf2, 0x00, 0x11, 0x00, 0x00}}, want: []string{"Hello", "", "Hello"}},
	{name: "reserved block type 11 is corrupt", messages: [][]byte{{0xff}}, want: []string{""}, wantErr: ErrCorrupt},
	{name: "stored block whose NLEN is not the complement of LEN is corrupt", messages: [][]byte{{0x00, 0x05, 0x00, 0xfa}}, want: []string{""}, wantErr: ErrCorrupt},
	{name: "stored block cut short runs into a reserved block type", messages: [][]byte{{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65}}, want: []string{""}, wantErr: ErrCorrupt},
}

func TestDecoderRFC7692Examples(t *testing.T) {
	for _, tt := range decoderExampleTests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(15, tt.takeover)
			var got []string
			var err error
			for _, m := range tt.messages {
				var out []byte
				out, err = d.AppendDecompress(nil, m, 1<<20)
				if err != nil {
					out = nil
				}
				got = append(got, string(out))
				if err != nil {
					break
				}
			}
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("error = %v; want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecoderLimit(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		limit   int64
		want    string
		wantErr error
	}{
		{"exactly at the limit", hello, 5, "Hello", nil},
		{"one byte over the limit stops at the limit", hello, 4, "Hell", ErrInflatedTooBig},
		{"zero limit admits the empty message", []byte{0x00}, 0, "", nil},
		{"zero limit refuses one byte", hello, 0, "", ErrInflatedTooBig},
		{"negative limit acts as zero", hello, -1, "", ErrInflatedTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewDecoder(15, false).AppendDecompress([]byte("prefix:"), tt.payload, tt.limit)
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("error = %v; want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff("prefix:"+tt.want, string(got)); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecompressionBomb feeds a 6.5 MB payload that inflates to 1 GiB to a
// decoder with a 1 MiB limit: it must fail with close code 1009 (RFC 6455
// §7.4.1) having produced no more than the limit and allocated little more.
func TestDecompressionBomb(t *testing.T) {
	const limit = 1 << 20
	bomb := bombPayload(1 << 30)
	d := NewDecoder(15, true)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, err := d.AppendDecompress(nil, bomb, limit)
	runtime.ReadMemStats(&after)

	if !errors.Is(err, ErrInflatedTooBig) {
		t.Fatalf("error = %v; want ErrInflatedTooBig", err)
	}
	if code := frame.CloseCodeOf(err); code != 1009 {
		t.Errorf("close code = %d; want 1009", code)
	}
	if len(out) > limit {
		t.Errorf("produced %d bytes; limit %d", len(out), limit)
	}
	if !bytes.Equal(out, bytes.Repeat([]byte{'a'}, len(out))) {
		t.Errorf("output is not the bomb's leading run of 'a'")
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*limit {
		t.Errorf("allocated %d bytes for a %d-byte limit", alloc, limit)
	}
}

// TestDecoderWindow checks that a back-reference farther than the
// negotiated window (RFC 7692 §7.1.2) is refused, with close code 1007.
func TestDecoderWindow(t *testing.T) {
	first := corpusRandom(300)
	second := first[:40] // compress/flate finds it 300 bytes back
	enc := newStdCompressor(t, 9, true)
	p1, p2 := enc.compress(t, first), enc.compress(t, second)

	tests := []struct {
		name    string
		bits    int
		wantErr error
	}{
		{"RFC 7692 §7.1.2: distance 300 within a 512-byte window", 9, nil},
		{"RFC 7692 §7.1.2: distance 300 beyond a 256-byte window", 8, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(tt.bits, true)
			if _, err := d.AppendDecompress(nil, p1, 1<<20); err != nil {
				t.Fatalf("first message: %v", err)
			}
			got, err := d.AppendDecompress(nil, p2, 1<<20)
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("error = %v; want %v", err, tt.wantErr)
			}
			if err != nil {
				if code := frame.CloseCodeOf(err); code != 1007 {
					t.Errorf("close code = %d; want 1007", code)
				}
				return
			}
			if diff := cmp.Diff(second, got); diff != "" {
				t.Errorf("second message (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecoderAgainstStdlib inflates message sequences compressed by
// compress/flate, with and without context takeover (RFC 7692 §7.1.1).
func TestDecoderAgainstStdlib(t *testing.T) {
	for _, c := range corpora {
		for _, takeover := range []bool{false, true} {
			for _, level := range []int{1, 6, 9} {
				name := c.name
				if takeover {
					name += "/takeover"
				}
				t.Run(name, func(t *testing.T) {
					data := c.gen(200_000)
					enc := newStdCompressor(t, level, takeover)
					d := NewDecoder(15, takeover)
					var out []byte
					for off, size := 0, 1; off < len(data); off, size = off+size, size*3/2+1 {
						msg := data[off:min(off+size, len(data))]
						var err error
						out, err = d.AppendDecompress(out[:0], enc.compress(t, msg), int64(len(msg)))
						if err != nil {
							t.Fatalf("message at %d (%d bytes): %v", off, len(msg), err)
						}
						if !bytes.Equal(out, msg) {
							t.Fatalf("message at %d (%d bytes) inflated wrong", off, len(msg))
						}
					}
				})
			}
		}
	}
}

// TestDecoderAllocs checks that a warm Decoder inflates with no allocation,
// also for dynamic blocks whose codes are longer than the tables' first level.
func TestDecoderAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random")
	}
	for _, takeover := range []bool{false, true} {
		msg := corpusJSON(32 << 10)
		enc := newStdCompressor(t, 6, takeover)
		payloads := [][]byte{enc.compress(t, msg[:16<<10]), enc.compress(t, msg[16<<10:])}
		d := NewDecoder(15, takeover)
		out := make([]byte, 0, len(msg))
		i := 0
		allocs := testing.AllocsPerRun(100, func() {
			var err error
			// Under takeover only the pair in order is valid; restart it.
			if i%2 == 0 && takeover {
				d.history = d.history[:0]
			}
			out, err = d.AppendDecompress(out[:0], payloads[i%2], 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("takeover=%v: %v allocations per message; want 0", takeover, allocs)
		}
	}
}

// TestDecoderGrowth: inflating into an empty buffer doubles its room from 512 bytes and
// gives exactly that capacity, never append's rounding up, and never more than the limit, so
// a message of a power of two fits a buffer of its size (a server keeps buffers up to 64
// KiB between messages, and would otherwise drop and grow one for every message that size).
func TestDecoderGrowth(t *testing.T) {
	tests := []struct {
		size, limit int
		wantCap     int
	}{
		{1, 1 << 20, 512},
		{512, 1 << 20, 512},
		{513, 1 << 20, 1 << 10},
		{40 << 10, 1 << 20, 64 << 10},
		{64 << 10, 1 << 20, 64 << 10},
		{64<<10 + 1, 1 << 20, 128 << 10},
		{100 << 10, 100 << 10, 100 << 10}, // the limit caps the doubling
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-of-%d", tt.size, tt.limit), func(t *testing.T) {
			msg := corpusJSON(tt.size)
			payload := NewEncoder(15, BestSpeed, false).AppendCompress(nil, msg)
			out, err := NewDecoder(15, false).AppendDecompress(nil, payload, int64(tt.limit))
			if err != nil || !bytes.Equal(out, msg) {
				t.Fatalf("inflated %d bytes, %v; want the %d of the message", len(out), err, len(msg))
			}
			if diff := cmp.Diff(tt.wantCap, cap(out)); diff != "" {
				t.Errorf("capacity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecoderRelease(t *testing.T) {
	d := NewDecoder(10, true)
	if _, err := d.AppendDecompress(nil, hello, 100); err != nil {
		t.Fatal(err)
	}
	d.Release()
	// The 1 KiB window is no longer reserved, only the 5 bytes of history
	// (rounded up to an allocation size class).
	if got := cap(d.history); got > 8 {
		t.Errorf("history capacity after Release = %d; want at most 8", got)
	}
	got, err := d.AppendDecompress(nil, []byte{0xf2, 0x00, 0x11, 0x00, 0x00}, 100)
	if err != nil || string(got) != "Hello" {
		t.Errorf("after Release: %q, %v; want Hello (RFC 7692 §7.2.3.2)", got, err)
	}
}

// TestErrorKinds: each error of the package carries one kind of frame's vocabulary, which
// decides the close code (RFC 7692 §8.2.3, RFC 6455 §7.4.1).
func TestErrorKinds(t *testing.T) {
	tests := []struct {
		name string
		err  error
		is   error
		kind *frame.Kind
		code frame.CloseCode
	}{
		{"too big", ErrInflatedTooBig, ErrInflatedTooBig, frame.ErrBadSize, 1009},
		{"corrupt with detail", wrap(ErrCorrupt, "offset 3"), ErrCorrupt, frame.ErrBadEncoding, 1007},
		{"refused response", wrap(ErrResponse, "x"), ErrResponse, frame.ErrExtension, 1010},
		{"config: not a protocol error", wrap(ErrConfig, "x"), ErrConfig, nil, 1011},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", tt.err, tt.is)
			}
			if tt.kind != nil && !errors.Is(tt.err, tt.kind) {
				t.Errorf("errors.Is(%v, %v) = false", tt.err, tt.kind)
			}
			if got := frame.CloseCodeOf(tt.err); got != tt.code {
				t.Errorf("frame.CloseCodeOf(%v) = %d; want %d", tt.err, got, tt.code)
			}
			if msg := tt.err.Error(); len(msg) < 9 || msg[:9] != "deflate: " {
				t.Errorf("message %q lacks the package prefix", msg)
			}
		})
	}
}
