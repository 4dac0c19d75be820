package deflate

import (
	"compress/flate"
	"io"
	"slices"
	"sync"
)

// syncTail completes a payload for inflation. Its first four octets are the
// ones RFC 7692 §7.2.2 says to append (the LEN and NLEN of the empty stored
// block the sender's flush ended with); the last five are an empty stored
// block with BFINAL set, so that the inflater ends with io.EOF instead of
// running out of input mid-stream.
var syncTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// Decoder inflates the messages of one direction of one connection.
//
// Between messages a Decoder holds only its history, the last 2^windowBits
// inflated bytes, and only under context takeover: the inflater itself is
// borrowed from a pool for the length of one call, restarted each time with
// the history as its dictionary. A Decoder is not safe for concurrent use.
type Decoder struct {
	windowBits int
	takeover   bool
	history    []byte
	probe      [1]byte
}

// NewDecoder returns a Decoder for a peer that compresses with a window of
// 2^windowBits bytes (0 means 15; other values are clamped to 8..15),
// keeping history across messages when contextTakeover is set.
func NewDecoder(windowBits int, contextTakeover bool) *Decoder {
	return &Decoder{windowBits: windowBitsOrMax(windowBits), takeover: contextTakeover}
}

// AppendDecompress appends to dst the message inflated from payload, the
// concatenated payloads of all frames of one compressed message without
// the trailing 00 00 ff ff (RFC 7692 §7.2.2).
//
// It never produces more than limit bytes: once the message would exceed
// limit it stops and returns an error matching ErrMessageTooBig (close code
// 1009). A payload that is not valid DEFLATE, or refers back past the
// window, gives an error matching ErrCorrupt (close code 1007). After an
// error dst holds what was inflated so far, the Decoder's history is
// undefined, and the connection must be failed.
func (d *Decoder) AppendDecompress(dst, payload []byte, limit int64) ([]byte, error) {
	limit = max(limit, 0)
	in := inflaters.Get().(*inflater)
	defer in.release()

	in.src = payloadReader{payload: payload}
	var dict []byte
	if d.takeover {
		dict = d.history
	}
	if err := in.zr.(flate.Resetter).Reset(&in.src, dict); err != nil {
		return dst, wrap(ErrCorrupt, err.Error())
	}

	start := len(dst)
	for {
		produced := int64(len(dst) - start)
		if produced == limit {
			// The output is full: one more byte, if the stream has one,
			// means the message is too big.
			n, err := in.zr.Read(d.probe[:])
			if n > 0 {
				return dst, ErrMessageTooBig
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return dst, wrap(ErrCorrupt, err.Error())
			}
			continue
		}
		if len(dst) == cap(dst) {
			// Grow geometrically, never past the limit, so a bomb costs at
			// most about limit bytes of memory.
			dst = slices.Grow(dst, int(min(max(produced, 512), limit-produced)))
		}
		room := dst[len(dst):cap(dst)]
		if left := limit - produced; int64(len(room)) > left {
			room = room[:left]
		}
		n, err := in.zr.Read(room)
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return dst, wrap(ErrCorrupt, err.Error())
		}
	}
	if d.takeover {
		d.remember(dst[start:])
	}
	return dst, nil
}

// Release drops what the Decoder can rebuild, for a connection going idle.
// Under context takeover the history stays, trimmed to its length; the
// Decoder works as before on the next call.
func (d *Decoder) Release() {
	if cap(d.history) > len(d.history) {
		d.history = append([]byte(nil), d.history...)
	}
}

// remember slides msg into the history, keeping the last 2^windowBits bytes:
// all that a peer honouring the window can refer back to.
func (d *Decoder) remember(msg []byte) {
	window := 1 << d.windowBits
	if cap(d.history) < window {
		h := make([]byte, len(d.history), window)
		copy(h, d.history)
		d.history = h
	}
	if len(msg) >= window {
		d.history = append(d.history[:0], msg[len(msg)-window:]...)
		return
	}
	if keep := window - len(msg); len(d.history) > keep {
		d.history = d.history[:copy(d.history, d.history[len(d.history)-keep:])]
	}
	d.history = append(d.history, msg...)
}

// inflater is a pooled compress/flate reader bound to its own source, so a
// pooled reader never keeps a Decoder or a payload alive.
type inflater struct {
	zr  io.ReadCloser
	src payloadReader
}

var inflaters = sync.Pool{New: func() any {
	in := new(inflater)
	in.zr = flate.NewReader(&in.src)
	return in
}}

func (in *inflater) release() {
	in.src = payloadReader{}
	inflaters.Put(in)
}

// payloadReader reads a payload followed by syncTail. It implements
// io.ByteReader so that compress/flate reads from it directly, with no
// buffer of its own.
type payloadReader struct {
	payload []byte
	off     int
}

func (r *payloadReader) ReadByte() (byte, error) {
	switch {
	case r.off < len(r.payload):
		r.off++
		return r.payload[r.off-1], nil
	case r.off < len(r.payload)+len(syncTail):
		r.off++
		return syncTail[r.off-1-len(r.payload)], nil
	}
	return 0, io.EOF
}

func (r *payloadReader) Read(p []byte) (int, error) {
	n := 0
	if r.off < len(r.payload) {
		n = copy(p, r.payload[r.off:])
		r.off += n
	}
	if tailOff := r.off - len(r.payload); n < len(p) && tailOff < len(syncTail) {
		m := copy(p[n:], syncTail[tailOff:])
		r.off += m
		n += m
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

func clampBits(bits int) int {
	return min(max(bits, MinWindowBits), MaxWindowBits)
}
