package deflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"slices"
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

// BenchmarkDecompress inflates the same kind of stream with a Decoder and, for the ratio,
// with compress/flate reset on each message as a Decoder without context takeover would
// use it. MB/s is output throughput.
func BenchmarkDecompress(b *testing.B) {
	for _, size := range []int{benchMessageSize, 64 << 10} {
		for _, c := range corpora {
			data := c.gen(1 << 20)
			e := NewEncoder(15, BestSpeed, false)
			var payloads [][]byte
			for off := 0; off+size <= len(data); off += size {
				payloads = append(payloads, e.AppendCompress(nil, data[off:off+size]))
			}
			b.Run(fmt.Sprintf("%s-%dKiB/bronco", c.name, size>>10), func(b *testing.B) {
				d := NewDecoder(15, false)
				out := make([]byte, 0, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					var err error
					if out, err = d.AppendDecompress(out[:0], payloads[i%len(payloads)], int64(size)); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s-%dKiB/stdlib", c.name, size>>10), func(b *testing.B) {
				var src bytes.Reader
				zr := flate.NewReader(&src)
				out := bytes.NewBuffer(make([]byte, 0, size))
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					src.Reset(slices.Concat(payloads[i%len(payloads)], syncTail))
					zr.(flate.Resetter).Reset(&src, nil)
					out.Reset()
					if _, err := out.ReadFrom(zr); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// sliceWriter collects compress/flate's output into a reusable slice.
type sliceWriter struct{ buf []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

var _ io.Writer = (*sliceWriter)(nil)

// BenchmarkCompressSizes compresses streams of messages of one size, with context takeover
// and without, at levels 1 and 6: the cost of what a connection keeps between messages (its
// window and hash table) and of borrowing the rest shows on small messages, the cost of
// sliding the window on large ones. "ratio" is compressed size over input size.
func BenchmarkCompressSizes(b *testing.B) {
	for _, c := range corpora {
		data := c.gen(1 << 20)
		for _, level := range []int{BestSpeed, DefaultLevel} {
			for _, takeover := range []bool{true, false} {
				for _, size := range []int{256, 1 << 10, 4 << 10, 64 << 10} {
					name := fmt.Sprintf("%s/level%d/takeover=%v/%d", c.name, level, takeover, size)
					b.Run(name, func(b *testing.B) {
						e := NewEncoder(15, level, takeover)
						var dst []byte
						in, out := 0, 0
						b.SetBytes(int64(size))
						b.ReportAllocs()
						for i := 0; b.Loop(); i++ {
							off := (i * size) % (len(data) - size)
							dst = e.AppendCompress(dst[:0], data[off:off+size])
							in += size
							out += len(dst)
						}
						b.ReportMetric(float64(out)/float64(in), "ratio")
					})
				}
			}
		}
	}
}
