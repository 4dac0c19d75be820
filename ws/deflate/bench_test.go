package deflate

import (
	"compress/flate"
	"fmt"
	"io"
	"testing"
)

// benchMessageSize is the size of each message: a typical JSON or HTML
// WebSocket payload, larger than DefaultThreshold.
const benchMessageSize = 4 << 10

// BenchmarkCompress compresses a stream of messages under context takeover
// with this package's Encoder and with compress/flate (a Flush per message,
// as RFC 7692 needs) side by side. MB/s is input throughput; "ratio" is
// compressed size over input size, smaller is better.
func BenchmarkCompress(b *testing.B) {
	type coder struct {
		name string
		new  func() func(dst, msg []byte) []byte
	}
	ours := func(bits, level int) func() func(dst, msg []byte) []byte {
		return func() func(dst, msg []byte) []byte {
			e := NewEncoder(bits, level, true)
			return e.AppendCompress
		}
	}
	std := func(level int) func() func(dst, msg []byte) []byte {
		return func() func(dst, msg []byte) []byte {
			w := &sliceWriter{}
			fw, _ := flate.NewWriter(w, level)
			return func(dst, msg []byte) []byte {
				w.buf = dst
				fw.Write(msg)
				fw.Flush()
				return w.buf[:len(w.buf)-4]
			}
		}
	}
	coders := []coder{
		{"bronco-1", ours(15, 1)},
		{"stdlib-1", std(1)},
		{"bronco-6", ours(15, 6)},
		{"stdlib-6", std(6)},
		{"bronco-6-w9", ours(9, 6)},
	}
	for _, c := range corpora {
		data := c.gen(1 << 20)
		for _, cd := range coders {
			b.Run(fmt.Sprintf("%s/%s", c.name, cd.name), func(b *testing.B) {
				compress := cd.new()
				var dst []byte
				in, out := 0, 0
				b.SetBytes(benchMessageSize)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					off := (i * benchMessageSize) % (len(data) - benchMessageSize)
					dst = compress(dst[:0], data[off:off+benchMessageSize])
					in += benchMessageSize
					out += len(dst)
				}
				b.ReportMetric(float64(out)/float64(in), "ratio")
			})
		}
	}
}

// BenchmarkDecompress inflates the same kind of stream with a Decoder.
func BenchmarkDecompress(b *testing.B) {
	for _, c := range corpora {
		b.Run(c.name, func(b *testing.B) {
			data := c.gen(1 << 20)
			e := NewEncoder(15, DefaultLevel, false)
			var payloads [][]byte
			for off := 0; off+benchMessageSize <= len(data); off += benchMessageSize {
				payloads = append(payloads, e.AppendCompress(nil, data[off:off+benchMessageSize]))
			}
			d := NewDecoder(15, false)
			out := make([]byte, 0, benchMessageSize)
			b.SetBytes(benchMessageSize)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var err error
				if out, err = d.AppendDecompress(out[:0], payloads[i%len(payloads)], benchMessageSize); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sliceWriter collects compress/flate's output into a reusable slice.
type sliceWriter struct{ buf []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

var _ io.Writer = (*sliceWriter)(nil)
