package frame

import (
	"errors"
	"io"
)

// DefaultReaderSize is the buffer size NewReader uses when given a size of zero or less.
const DefaultReaderSize = 4096

// Reader reads frames from an io.Reader one header at a time, with a buffer it reuses for
// the life of the stream. After [Reader.Next] returns a header, [Reader.Read] returns that
// frame's payload, unmasked, and io.EOF at its end. Reader checks every header with
// [Header.Check] and [Sequence.Next]; it does not assemble messages or look inside payloads.
type Reader struct {
	src        io.Reader
	buf        []byte
	r, w       int // buf[r:w] holds bytes read but not yet consumed
	err        error
	role       Role
	extRsv     byte
	maxPayload int64
	seq        Sequence
	hdr        Header
	left       int64 // payload bytes of hdr not yet returned
	maskPos    int
}

// NewReader returns a Reader over src for the given role, with a buffer of size bytes
// (DefaultReaderSize if size <= 0; at least MaxHeaderLen). extRsv holds the reserved bits a
// negotiated extension owns, and maxPayload, when positive, the largest frame payload
// accepted (ErrFrameTooBig beyond it).
func NewReader(src io.Reader, role Role, extRsv byte, maxPayload int64, size int) *Reader {
	if size <= 0 {
		size = DefaultReaderSize
	}
	if size < MaxHeaderLen {
		size = MaxHeaderLen
	}
	return &Reader{src: src, buf: make([]byte, size), role: role, extRsv: extRsv, maxPayload: maxPayload}
}

// Reset makes r read from src as if new, keeping its buffer.
func (r *Reader) Reset(src io.Reader) {
	*r = Reader{src: src, buf: r.buf, role: r.role, extRsv: r.extRsv, maxPayload: r.maxPayload}
}

// Next discards what is left of the current frame's payload and returns the next header.
// It returns io.EOF when the stream ends between frames and io.ErrUnexpectedEOF when it
// ends inside a header. Protocol violations are *Error values; they are sticky.
func (r *Reader) Next() (Header, error) {
	if err := r.skip(); err != nil {
		return Header{}, err
	}
	for {
		if r.err != nil && r.err != io.EOF {
			return Header{}, r.err
		}
		h, n, err := ParseHeader(r.buf[r.r:r.w])
		if err != nil {
			r.err = err
			return Header{}, err
		}
		if n > 0 {
			r.r += n
			if err := r.accept(h); err != nil {
				r.err = err
				return Header{}, err
			}
			return h, nil
		}
		if r.err == io.EOF {
			if r.r == r.w {
				return Header{}, io.EOF
			}
			return Header{}, io.ErrUnexpectedEOF
		}
		r.fill()
	}
}

func (r *Reader) accept(h Header) error {
	if err := h.Check(r.role, r.extRsv); err != nil {
		return err
	}
	if r.maxPayload > 0 && h.Length > r.maxPayload {
		return ErrFrameTooBig
	}
	if err := r.seq.Next(h); err != nil {
		return err
	}
	r.hdr, r.left, r.maskPos = h, h.Length, 0
	return nil
}

// skip drops buffered payload bytes of the current frame, reading more as needed.
func (r *Reader) skip() error {
	for r.left > 0 {
		if r.r == r.w {
			if r.err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			if r.err != nil {
				return r.err
			}
			r.fill()
			continue
		}
		n := min(int64(r.w-r.r), r.left)
		r.r += int(n)
		r.left -= n
	}
	return nil
}

// Read reads the current frame's payload into p, unmasked. It returns io.EOF once the
// payload is exhausted, and io.ErrUnexpectedEOF if the stream ends inside it.
func (r *Reader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.r == r.w {
		if r.err != nil {
			if r.err == io.EOF {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, r.err
		}
		if int64(len(p)) >= r.left || len(p) >= len(r.buf) {
			// Large reads bypass the buffer.
			n, err := r.src.Read(p[:min(int64(len(p)), r.left)])
			r.consumed(p[:n])
			if err != nil {
				r.err = err
			}
			return n, nil
		}
		r.fill()
		if r.r == r.w {
			return 0, nil
		}
	}
	n := copy(p[:min(int64(len(p)), r.left)], r.buf[r.r:r.w])
	r.r += n
	r.consumed(p[:n])
	return n, nil
}

func (r *Reader) consumed(p []byte) {
	if r.hdr.Masked {
		r.maskPos = Mask(r.hdr.Mask, r.maskPos, p)
	}
	r.left -= int64(len(p))
}

// fill reads once from src into the free end of the buffer, sliding unconsumed bytes down.
func (r *Reader) fill() {
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	n, err := r.src.Read(r.buf[r.w:])
	if n < 0 {
		err = errors.New("frame: reader returned a negative count")
		n = 0
	}
	r.w += n
	if err != nil {
		r.err = err
	}
}
