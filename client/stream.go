package client

import (
	"context"
	"errors"
	"io"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// Reader returns the next text or binary message as an io.Reader that yields its payload as
// it arrives, frame piece by frame piece, so a message larger than memory can be read:
// Config.MaxMessageSize still bounds it (raise it, or set it negative, for such messages). A
// compressed message is inflated whole before the first byte is returned. The reader is
// valid until the next Read or Reader call, which discards what it has not read. ctx governs
// every read of the message.
func (c *Conn) Reader(ctx context.Context) (frame.Opcode, io.Reader, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if err := c.skipReader(ctx); err != nil {
		return 0, nil, err
	}
	ev, err := c.next(ctx)
	if err != nil {
		return 0, nil, err
	}
	mr := &messageReader{c: c, ctx: ctx, data: ev.Data, final: ev.Kind == ws.EventMessage || ev.Final}
	c.reader = mr
	return ev.Opcode, mr, nil
}

// skipReader discards the rest of the message the last Reader has not finished.
func (c *Conn) skipReader(ctx context.Context) error {
	mr := c.reader
	c.reader = nil
	if mr == nil {
		return nil
	}
	mr.ctx = ctx
	for !mr.final {
		ev, err := c.next(ctx)
		if err != nil {
			return err
		}
		mr.final = ev.Final
	}
	mr.data, mr.c = nil, nil
	return nil
}

// messageReader reads one message's pieces; data is the rest of the current piece.
type messageReader struct {
	c     *Conn
	ctx   context.Context
	data  []byte
	final bool // data is the message's last piece
}

func (mr *messageReader) Read(p []byte) (int, error) {
	if mr.c != nil {
		mr.c.readMu.Lock()
		defer mr.c.readMu.Unlock()
	}
	for len(mr.data) == 0 {
		if mr.final {
			return 0, io.EOF
		}
		if mr.c == nil || mr.c.reader != mr {
			return 0, errReaderDone
		}
		ev, err := mr.c.next(mr.ctx)
		if err != nil {
			return 0, err
		}
		mr.data, mr.final = ev.Data, ev.Final
	}
	n := copy(p, mr.data)
	mr.data = mr.data[n:]
	return n, nil
}

var errReaderDone = errors.New("client: message reader used after the next read")

// writerChunk is how much a message Writer gathers before it sends a frame.
const writerChunk = 32 << 10

// Writer returns an io.WriteCloser that sends one text or binary message in frames of up to
// 32 KiB as it is written (RFC 6455 §5.4 fragmentation), so a message larger than memory can
// be sent; Close sends the last frame. Until then other messages wait (pings, pongs and the
// close may go between its frames). A streamed message is not compressed: permessage-deflate
// compresses whole messages, and the RFC lets any message go uncompressed. ctx governs every
// write of the message.
func (c *Conn) Writer(ctx context.Context, op frame.Opcode) (io.WriteCloser, error) {
	if op != frame.OpText && op != frame.OpBinary {
		return nil, errors.New("client: Writer takes text or binary")
	}
	c.msgMu.Lock()
	return &messageWriter{c: c, ctx: ctx, op: op, buf: make([]byte, 0, writerChunk)}, nil
}

// messageWriter gathers a message's bytes and sends them a frame at a time.
type messageWriter struct {
	c      *Conn
	ctx    context.Context
	op     frame.Opcode // the message's opcode until its first frame is out, then continuation
	buf    []byte
	closed bool
	err    error
}

func (mw *messageWriter) Write(p []byte) (int, error) {
	if mw.closed {
		return 0, errWriterClosed
	}
	n := 0
	for len(p) > 0 && mw.err == nil {
		k := copy(mw.buf[len(mw.buf):cap(mw.buf)], p)
		mw.buf = mw.buf[:len(mw.buf)+k]
		p, n = p[k:], n+k
		if len(mw.buf) == cap(mw.buf) {
			mw.flush(false)
		}
	}
	return n, mw.err
}

// Close sends the message's last frame and lets the next message go.
func (mw *messageWriter) Close() error {
	if mw.closed {
		return errWriterClosed
	}
	mw.closed = true
	if mw.err == nil {
		mw.flush(true)
	}
	mw.c.msgMu.Unlock()
	return mw.err
}

func (mw *messageWriter) flush(fin bool) {
	h := frame.Header{Fin: fin, Opcode: mw.op}
	mw.err = mw.c.write(mw.ctx, func(b []byte) []byte { return mw.c.eng.AppendFrame(b, h, mw.buf) })
	mw.op, mw.buf = frame.OpContinuation, mw.buf[:0]
}

var errWriterClosed = errors.New("client: message writer already closed")
