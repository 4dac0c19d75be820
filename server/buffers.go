package server

import (
	"math/bits"
	"sync"
)

// bufPools hands out read and write buffers by size class, powers of two from 512 B to
// 1 MiB, so that connections whose read buffer grows and shrinks with their traffic (as
// Cowboy's dynamic_buffer) reuse each other's buffers instead of allocating.
type bufPools struct {
	p [maxBufClass - minBufClass + 1]sync.Pool
}

const (
	minBufClass = 9  // 512 B
	maxBufClass = 20 // 1 MiB: larger buffers are never pooled
)

// bufBox holds a pooled buffer. Pooling the holder, not the slice, keeps Put from
// allocating a slice header every time. A connection's output box also holds the state of
// its writing, so that a connection with nothing to send holds none of it.
type bufBox struct {
	b []byte // for output: the bytes to send; b[:sent] are sent already
	// tail is a large payload to send right after b, from where it is: it is valid only
	// until the next callback, so it is copied into b before one runs.
	tail    []byte
	sent    int
	counted int // what the output adds to the server's Stats.Buffered
}

// class returns the size class that holds size bytes.
func class(size int) int {
	return max(bits.Len(uint(size-1)), minBufClass)
}

// get returns a holder whose buffer has length size (rounded up to its class).
func (bp *bufPools) get(size int) *bufBox {
	k := class(size)
	if k > maxBufClass {
		return &bufBox{b: make([]byte, size)}
	}
	if box, ok := bp.p[k-minBufClass].Get().(*bufBox); ok {
		box.b = box.b[:cap(box.b)]
		return box
	}
	return &bufBox{b: make([]byte, 1<<k)}
}

// put gives back b, which came from box (and may have grown since).
func (bp *bufPools) put(box *bufBox, b []byte) {
	if box == nil {
		return
	}
	k := bits.Len(uint(cap(b))) - 1 // the largest class the buffer can serve
	if k < minBufClass || k > maxBufClass {
		return
	}
	box.b = b[: 0 : 1<<k]
	bp.p[k-minBufClass].Put(box)
}

// outputSize is what a connection remembers of its recent outputs, in one byte: the size
// class the next output's buffer comes from (the low 5 bits), and how many outputs in a row
// have fit a smaller class (the high 3). Outputs larger than the read buffer (compressed
// messages, or several written in one go) then take a buffer that fits from the pool,
// rather than growing a small one, which allocates, every time. The class follows a larger
// output at once and falls by one after eight smaller ones in a row, so that outputs of
// varying size (one message per write, then two) settle on the largest. It stops at
// maxOutputClass: a connection that once sent a large message and then waits on a slow
// reader with a small one pending holds at most that much, and a larger output costs an
// allocation that is small beside the work of producing it.
type outputSize uint8

// maxOutputClass is the largest buffer an output starts from: 256 KiB, which holds 16
// compressed 64 KiB JSON messages written in one go.
const maxOutputClass = 18

// bytes is the size of the buffer the next output starts from (1 before any output: the
// read buffer's size then decides).
func (s outputSize) bytes() int { return 1 << (s & 31) }

// after returns s updated with an output of n bytes, which a quarter more would fit.
func (s outputSize) after(n int) outputSize {
	k := outputSize(min(class(max(n+n>>2, 1)), maxOutputClass))
	switch cur := s & 31; {
	case k >= cur:
		return k
	case s>>5 == 7:
		return cur - 1
	default:
		return s + 1<<5
	}
}
