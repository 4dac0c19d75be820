package deflate

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/bronco-ws/bronco/internal/deflateinspect"
	"github.com/bronco-ws/bronco/ws/frame"
)

// TestSharedUnderTakeover: a connection with context takeover (RFC 7692 §7.1.1) takes some
// messages in its Shared form (compressed once for many, then Absorbed) between messages it
// compresses itself, and its peer's decoder, with a window of exactly the negotiated size,
// inflates every one: the encoder's window stays in step with the decoder's. Its own
// messages do refer back into the absorbed ones (they would not compress to a few bytes
// otherwise), and no match reaches farther than the window (§7.1.2.1).
func TestSharedUnderTakeover(t *testing.T) {
	news := corpusJSON(3000)
	other := bytes.Repeat([]byte("unrelated words, in another order; "), 40)
	type msg struct {
		data   []byte
		shared bool // sent in the Shared form, then absorbed
	}
	seq := []msg{{other, false}, {news, true}, {news, false}, {other, true}, {news, true}, {news, false}}
	for _, bits := range []int{9, 12, 15} {
		for _, level := range []int{BestSpeed, DefaultLevel} {
			t.Run(fmt.Sprintf("window %d, level %d", bits, level), func(t *testing.T) {
				codec := NewCodec(Params{ServerMaxWindowBits: bits}, Config{Level: level, Threshold: -1}, frame.RoleServer)
				if got := codec.Shared(); got != (Shared{WindowBits: bits, Level: level}) {
					t.Fatalf("Shared() = %+v", got)
				}
				peer := NewDecoder(bits, true)
				var history []byte
				for i, m := range seq {
					var payload []byte
					if m.shared {
						payload = codec.Shared().AppendCompress(nil, m.data)
						codec.Absorb(m.data)
					} else {
						payload, _ = codec.Encode(nil, m.data)
					}
					rep, err := deflateinspect.Inspect(payload, history)
					if err != nil || rep.MaxDist > 1<<bits {
						t.Fatalf("message %d: %v, a match reaching back %d past a window of %d", i, err, rep.MaxDist, 1<<bits)
					}
					out, err := peer.AppendDecompress(nil, payload, 1<<20)
					if err != nil || !bytes.Equal(out, m.data) {
						t.Fatalf("message %d (shared %v) does not inflate back: %v", i, m.shared, err)
					}
					if i == 2 && bits == 15 && len(payload) > len(m.data)/10 {
						t.Errorf("message 2 repeats the absorbed message 1 but compresses to %d of %d bytes", len(payload), len(m.data))
					}
					history = append(history, out...)
				}
			})
		}
	}
}
