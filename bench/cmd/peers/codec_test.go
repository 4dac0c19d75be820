package main

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"

	"github.com/bronco-ws/bronco/ws/deflate"
	kflate "github.com/klauspost/compress/flate"
)

// deflateTail ends a payload for a plain inflater: the 00 00 ff ff that RFC 7692 §7.2.2
// appends, then an empty final stored block.
var deflateTail = []byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}

// BenchmarkCodec compresses and inflates the 64 KiB JSON message of the deflate cells
// with bronco's ws/deflate, with klauspost/compress (what gws uses) and with
// compress/flate (gorilla, coder), all at level 1 without context takeover, as the echo
// servers run them. The "bytes" metric is the compressed size.
//
//	cd bench && go test ./cmd/peers -run '^$' -bench Codec -count 6
func BenchmarkCodec(b *testing.B) {
	msg := payload(64<<10, true)
	b.Run("compress/bronco", func(b *testing.B) {
		e := deflate.NewEncoder(15, deflate.BestSpeed, false)
		var dst []byte
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			dst = e.AppendCompress(dst[:0], msg)
		}
		b.ReportMetric(float64(len(dst)), "bytes")
	})
	kw, _ := kflate.NewWriter(nil, kflate.BestSpeed)
	b.Run("compress/klauspost", func(b *testing.B) { benchFlateWriter(b, kw, msg) })
	sw, _ := flate.NewWriter(nil, flate.BestSpeed)
	b.Run("compress/stdlib", func(b *testing.B) { benchFlateWriter(b, sw, msg) })

	// Every inflater gets the same payload, from compress/flate.
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write(msg)
	w.Flush()
	payload := bytes.TrimSuffix(buf.Bytes(), deflateTail[:4])
	b.Run("inflate/bronco", func(b *testing.B) {
		d := deflate.NewDecoder(15, false)
		var out []byte
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			var err error
			if out, err = d.AppendDecompress(out[:0], payload, 1<<20); err != nil || !bytes.Equal(out, msg) {
				b.Fatal("inflated wrong:", err)
			}
		}
	})
	src := append(append([]byte(nil), payload...), deflateTail...)
	b.Run("inflate/klauspost", func(b *testing.B) { benchFlateReader(b, kflate.NewReader(nil), src, len(msg)) })
	b.Run("inflate/stdlib", func(b *testing.B) { benchFlateReader(b, flate.NewReader(nil), src, len(msg)) })
}

// flateWriter is what compress/flate's and klauspost/compress's writers both are.
type flateWriter interface {
	io.Writer
	Flush() error
	Reset(io.Writer)
}

// benchFlateWriter compresses msg with w as a permessage-deflate sender does: a flush per
// message. The "bytes" metric leaves out the 00 00 ff ff that RFC 7692 removes.
func benchFlateWriter(b *testing.B, w flateWriter, msg []byte) {
	var buf bytes.Buffer
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		buf.Reset()
		w.Reset(&buf)
		w.Write(msg)
		w.Flush()
	}
	b.ReportMetric(float64(buf.Len()-4), "bytes")
}

// benchFlateReader inflates src, a whole stream, with zr reset on each message.
func benchFlateReader(b *testing.B, zr io.Reader, src []byte, size int) {
	type resetter interface {
		Reset(io.Reader, []byte) error
	}
	r := bytes.NewReader(src)
	var out bytes.Buffer
	b.SetBytes(int64(size))
	for b.Loop() {
		r.Reset(src)
		zr.(resetter).Reset(r, nil)
		out.Reset()
		if _, err := out.ReadFrom(zr); err != nil {
			b.Fatal(err)
		}
	}
}
