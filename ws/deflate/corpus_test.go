package deflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// The corpora imitate what Autobahn's 12.x and 13.x cases send and what
// applications put in WebSocket messages: JSON events, HTML fragments,
// prose, and binary data that is partly random and partly structured.
// They are generated from fixed seeds, so every run sees the same bytes.

var words = strings.Fields(`the of and to in is that for it as was with be by on not he this are or
his from at which but have an they you were her she there one all we their been has would when
who will more no if out so said what up its about into than them can only other new some could
time these two may then do first any my now such like our over man me even most made after also
did many before must through back years where much your way well down should because each just
those people how too little state good very make world still own see men work long get here
between both life being under never day same another know while last might us great old year off
come since against go came right used take three websocket message frame server client compress`)

var jsonKeys = []string{"id", "type", "user", "name", "email", "timestamp", "price", "quantity", "tags", "active", "score", "region"}

// corpusJSON returns n bytes of newline-separated JSON events.
func corpusJSON(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString("{")
		for i, k := range jsonKeys[:4+r.IntN(len(jsonKeys)-4)] {
			if i > 0 {
				b.WriteString(",")
			}
			switch r.IntN(4) {
			case 0:
				fmt.Fprintf(&b, "%q:%d", k, r.IntN(1_000_000))
			case 1:
				fmt.Fprintf(&b, "%q:%q", k, words[r.IntN(len(words))]+"-"+words[r.IntN(len(words))])
			case 2:
				fmt.Fprintf(&b, "%q:%.2f", k, r.Float64()*1000)
			default:
				fmt.Fprintf(&b, "%q:%v", k, r.IntN(2) == 0)
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes()[:n]
}

// corpusHTML returns n bytes of HTML-like markup.
func corpusHTML(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	tags := []string{"div", "span", "p", "a", "li", "td"}
	classes := []string{"row", "col-md-6", "nav-item", "btn btn-primary", "card-body", "text-muted"}
	var b bytes.Buffer
	for b.Len() < n {
		tag := tags[r.IntN(len(tags))]
		fmt.Fprintf(&b, "<%s class=%q>", tag, classes[r.IntN(len(classes))])
		for range 1 + r.IntN(8) {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "</%s>\n", tag)
	}
	return b.Bytes()[:n]
}

// corpusText returns n bytes of word-frequency-shaped prose.
func corpusText(n int) []byte {
	r := rand.New(rand.NewPCG(5, 6))
	var b bytes.Buffer
	for b.Len() < n {
		// Squaring the draw favours the first, most common words.
		f := r.Float64()
		b.WriteString(words[int(f*f*float64(len(words)))])
		if r.IntN(12) == 0 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.Bytes()[:n]
}

// corpusBinary returns n bytes alternating random runs, repeated records
// and small integers, like Autobahn's binary cases and protobuf traffic.
func corpusBinary(n int) []byte {
	r := rand.New(rand.NewPCG(7, 8))
	var b bytes.Buffer
	record := make([]byte, 24)
	for b.Len() < n {
		switch r.IntN(3) {
		case 0:
			for range 16 + r.IntN(64) {
				b.WriteByte(byte(r.Uint32()))
			}
		case 1:
			for i := range record {
				record[i] = byte(r.IntN(4))
			}
			b.Write(record)
			b.Write(record)
		default:
			for range 8 + r.IntN(32) {
				b.WriteByte(byte(r.IntN(16)))
			}
		}
	}
	return b.Bytes()[:n]
}

// corpusRandom returns n incompressible bytes.
func corpusRandom(n int) []byte {
	r := rand.New(rand.NewPCG(9, 10))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var corpora = []struct {
	name string
	gen  func(int) []byte
}{
	{"json", corpusJSON},
	{"html", corpusHTML},
	{"text", corpusText},
	{"binary", corpusBinary},
}

// stdCompressor compresses messages with compress/flate the RFC 7692 way:
// a sync flush per message, the trailing 00 00 ff ff removed. It is the
// independent encoder the Decoder is tested against; its window is 32 KiB.
type stdCompressor struct {
	w        *flate.Writer
	buf      bytes.Buffer
	takeover bool
}

func newStdCompressor(t testing.TB, level int, takeover bool) *stdCompressor {
	c := &stdCompressor{takeover: takeover}
	w, err := flate.NewWriter(&c.buf, level)
	if err != nil {
		t.Fatal(err)
	}
	c.w = w
	return c
}

func (c *stdCompressor) compress(t testing.TB, msg []byte) []byte {
	c.buf.Reset()
	if !c.takeover {
		c.w.Reset(&c.buf)
	}
	if _, err := c.w.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := c.w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := c.buf.Bytes()
	if !bytes.HasSuffix(out, []byte{0, 0, 0xff, 0xff}) {
		t.Fatalf("flush did not end with 00 00 ff ff: % x", out)
	}
	return bytes.Clone(out[:len(out)-4])
}

// stdInflate inflates one RFC 7692 payload with compress/flate, with dict as
// the window, independently of Decoder.
func stdInflate(payload, dict []byte) ([]byte, error) {
	src := append(append([]byte(nil), payload...), syncTail...)
	r := flate.NewReaderDict(bytes.NewReader(src), dict)
	var out bytes.Buffer
	_, err := out.ReadFrom(r)
	return out.Bytes(), err
}

// handBits writes a DEFLATE bit stream by hand for tests, independently of
// the encoder's own writer.
type handBits struct {
	out   []byte
	acc   uint64
	nbits uint
}

// bits writes the n low bits of v, least significant first (RFC 1951 §3.1.1).
func (w *handBits) bits(v uint64, n uint) {
	for i := uint(0); i < n; i++ {
		w.acc |= ((v >> i) & 1) << w.nbits
		w.nbits++
		if w.nbits == 8 {
			w.out = append(w.out, byte(w.acc))
			w.acc, w.nbits = 0, 0
		}
	}
}

// code writes an n-bit Huffman code, most significant bit first.
func (w *handBits) code(c uint64, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.bits((c>>uint(i))&1, 1)
	}
}

func (w *handBits) bytes() []byte {
	if w.nbits > 0 {
		return append(w.out, byte(w.acc))
	}
	return w.out
}

// bombPayload returns a fixed-Huffman DEFLATE payload of one literal 'a'
// followed by matches of 258 bytes at distance 1: it inflates to about
// size bytes from 13 bits per 258 bytes of output.
func bombPayload(size int64) []byte {
	var w handBits
	w.bits(0, 1)        // BFINAL 0
	w.bits(1, 2)        // BTYPE 01, fixed Huffman codes
	w.code(0x30+'a', 8) // literal 'a'
	for n := int64(1); n < size; n += 258 {
		w.code(0xc0+(285-280), 8) // length 258
		w.code(0, 5)              // distance 1
	}
	w.code(0, 7) // end of block
	w.bits(0, 3) // the empty stored block that RFC 7692 §7.2.1 strips
	return w.bytes()
}
