package deflate

import (
	"bytes"
	"fmt"
	"github.com/bronco-ws/bronco/ws/frame"
	"testing"

	"github.com/bronco-ws/bronco/internal/deflateinspect"
	"github.com/google/go-cmp/cmp"
)

// messageSizes cuts a corpus into messages of growing size, from empty to
// larger than the buffer, so that sliding and block splitting are exercised.
// The last one, the slow one, runs at the default level only.
var messageSizes = []int{0, 1, 5, 64, 300, 1000, 4096, 20_000, 70_000}

// checkRoundTrip compresses msgs with e and checks every payload twice:
// compress/flate must inflate it to the message (RFC 7692 §7.2.2), and the
// test decoder must find no distance beyond 2^bits, given only the last
// 2^bits bytes of earlier messages as history.
func checkRoundTrip(t *testing.T, e *Encoder, bits int, takeover bool, msgs [][]byte) {
	t.Helper()
	var history []byte
	for i, msg := range msgs {
		payload := e.AppendCompress(nil, msg)
		got, err := stdInflate(payload, history)
		if err != nil {
			t.Fatalf("message %d (%d bytes): compress/flate: %v", i, len(msg), err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("message %d (%d bytes): compress/flate inflated %d different bytes", i, len(msg), len(got))
		}
		window := history[max(0, len(history)-1<<bits):]
		rep, err := deflateinspect.Inspect(payload, window)
		if err != nil {
			t.Fatalf("message %d (%d bytes): %v", i, len(msg), err)
		}
		if rep.MaxDist > 1<<bits {
			t.Fatalf("message %d: distance %d exceeds the %d-byte window", i, rep.MaxDist, 1<<bits)
		}
		if takeover {
			history = append(history, msg...)
			history = history[max(0, len(history)-32<<10):]
		}
	}
}

// TestEncoderRoundTrip covers every window size 8..15 (RFC 7692 §7.1.2),
// both context takeover modes (RFC 7692 §7.1.1) and the level range.
func TestEncoderRoundTrip(t *testing.T) {
	allCorpora := append(corpora, struct {
		name string
		gen  func(int) []byte
	}{"random", corpusRandom})
	for bits := MinWindowBits; bits <= MaxWindowBits; bits++ {
		for _, takeover := range []bool{false, true} {
			for _, level := range []int{HuffmanOnly, BestSpeed, DefaultLevel, BestCompression} {
				for _, c := range allCorpora {
					name := fmt.Sprintf("w%d/takeover=%v/level%d/%s", bits, takeover, level, c.name)
					t.Run(name, func(t *testing.T) {
						data := c.gen(110_000)
						var msgs [][]byte
						off := 0
						for _, n := range messageSizes {
							if n > 20_000 && level != DefaultLevel {
								break
							}
							msgs = append(msgs, data[off:off+n])
							off += n / 2 // overlap, so later messages repeat earlier ones
						}
						checkRoundTrip(t, NewEncoder(bits, level, takeover), bits, takeover, msgs)
					})
				}
			}
		}
	}
}

func TestEncoderRFC7692Examples(t *testing.T) {
	tests := []struct {
		name     string
		takeover bool
		msgs     []string
		want     [][]byte
	}{
		{name: "RFC 7692 §7.2.3.1: Hello as one fixed-Huffman block", msgs: []string{"Hello"},
			want: [][]byte{hello}},
		// The RFC's zlib output, f2 00 11 00 00, codes a literal 'H' and a
		// match of 4; a match of all 5 bytes at distance 5 is one byte
		// shorter. Bits, first to last: BFINAL 0, BTYPE 01; length code 259
		// 0000011; distance code 4 00100 and its extra bit 0; end of block
		// 0000000; the closing stored block's 000 and padding.
		{name: "RFC 7692 §7.2.3.2: the second Hello refers into the first", takeover: true, msgs: []string{"Hello", "Hello"},
			want: [][]byte{hello, {0x02, 0x13, 0x00, 0x00}}},
		{name: "RFC 7692 §7.2.1: without context takeover each message starts afresh", msgs: []string{"Hello", "Hello"},
			want: [][]byte{hello, hello}},
		{name: "RFC 7692 §7.2.3.6: an empty message is the single octet 0x00", msgs: []string{""},
			want: [][]byte{{0x00}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEncoder(15, DefaultLevel, tt.takeover)
			var got [][]byte
			for _, m := range tt.msgs {
				got = append(got, e.AppendCompress(nil, []byte(m)))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("payloads (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEncoderWindowBoundary puts a repeat exactly at the window's edge and
// one byte past it: the first may be matched, the second must not be
// (RFC 7692 §7.1.2.1: the sender MUST NOT use a larger window).
func TestEncoderWindowBoundary(t *testing.T) {
	for bits := MinWindowBits; bits <= MaxWindowBits; bits++ {
		for _, extra := range []int{0, 1} {
			t.Run(fmt.Sprintf("w%d/distance=window+%d", bits, extra), func(t *testing.T) {
				dist := 1<<bits + extra
				msg := corpusRandom(dist + 64)
				copy(msg[dist:], msg[:64])
				payload := NewEncoder(bits, BestCompression, false).AppendCompress(nil, msg)
				rep, err := deflateinspect.Inspect(payload, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(rep.Out, msg) {
					t.Fatal("round trip failed")
				}
				wantDist := 0
				if extra == 0 {
					wantDist = dist
				}
				if rep.MaxDist != wantDist {
					t.Errorf("longest distance = %d; want %d", rep.MaxDist, wantDist)
				}
			})
		}
	}
}

// TestEncoderBlockTypes checks that each block type is chosen where it pays.
func TestEncoderBlockTypes(t *testing.T) {
	tests := []struct {
		name string
		msg  []byte
		want []int // block types, the closing empty stored block last
	}{
		{"short text: fixed Huffman", []byte("Hello, world"), []int{1, 0}},
		{"long text: dynamic Huffman", corpusText(20_000), []int{2, 0}},
		{"random bytes: stored", corpusRandom(5000), []int{0, 0}},
		{"empty message: only the closing block", nil, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := deflateinspect.Inspect(NewEncoder(15, DefaultLevel, false).AppendCompress(nil, tt.msg), nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, rep.BlockTypes); diff != "" {
				t.Errorf("block types (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEncoderRelease checks that a released Encoder keeps at most the
// window and carries on the same stream, under context takeover.
func TestEncoderRelease(t *testing.T) {
	for _, bits := range []int{8, 12, 15} {
		t.Run(fmt.Sprint("w", bits), func(t *testing.T) {
			e := NewEncoder(bits, DefaultLevel, true)
			d := NewDecoder(bits, true)
			data := corpusJSON(100_000)
			for i, n := range []int{40_000, 3000, 500, 40_000} {
				msg := data[i*1000 : i*1000+n]
				out, err := d.AppendDecompress(nil, e.AppendCompress(nil, msg), int64(n))
				if err != nil || !bytes.Equal(out, msg) {
					t.Fatalf("message %d after Release: err %v, equal %v", i, err, bytes.Equal(out, msg))
				}
				e.Release()
				if e.st != nil || len(e.saved) > 1<<bits {
					t.Fatalf("after Release: state kept %v, %d bytes saved; want none and at most %d", e.st != nil, len(e.saved), 1<<bits)
				}
			}
		})
	}
}

// TestEncoderAllocs checks that a warm Encoder compresses with no allocation.
func TestEncoderAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random")
	}
	msg := corpusJSON(20_000)
	for _, takeover := range []bool{false, true} {
		e := NewEncoder(15, DefaultLevel, takeover)
		dst := e.AppendCompress(nil, msg)
		allocs := testing.AllocsPerRun(50, func() {
			dst = e.AppendCompress(dst[:0], msg)
		})
		if allocs != 0 {
			t.Errorf("takeover=%v: %v allocations per message; want 0", takeover, allocs)
		}
	}
}

// TestParamsRoles checks which side's parameters each role uses.
func TestParamsRoles(t *testing.T) {
	p := Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 12}
	type role struct {
		EncBits, DecBits         int
		EncTakeover, DecTakeover bool
	}
	for _, r := range []frame.Role{frame.RoleServer, frame.RoleClient} {
		e, d := p.Encoder(r, 0), p.Decoder(r)
		got := role{e.windowBits, d.windowBits, e.takeover, d.takeover}
		want := role{9, 12, false, true}
		if r == frame.RoleClient {
			want = role{12, 9, true, false}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("role %v (-want +got):\n%s", r, diff)
		}
	}
}
