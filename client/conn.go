package client

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// CloseError is the peer's close frame: its code (frame.CloseNoStatus when it sent none) and
// reason. Reads return it once the peer has closed, and Close returns it as the peer's answer.
type CloseError struct {
	Code   frame.CloseCode
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("client: closed by peer: %v %q", e.Code, e.Reason)
}

// Conn is a client connection: a thin blocking driver of a [ws.Engine] over a net.Conn. One
// goroutine reads, any goroutine may write. The engine answers pings and the close handshake;
// Conn writes what it queued.
type Conn struct {
	nc   net.Conn
	eng  *ws.Engine
	role frame.Role

	// The reading goroutine's state, under readMu: reads, and Close when no read runs.
	readMu    sync.Mutex
	ended     chan struct{} // closed when reading has ended (readErr is set)
	endOnce   sync.Once
	rbuf      []byte
	r, w      int
	msg       []byte         // a message assembled from pieces
	reader    *messageReader // the message Reader has handed out, if it is not finished
	peerClose *CloseError
	readErr   error // sticky: the error that ended reading

	onPing, onPong func(payload []byte)

	// emu guards the engine, which the reader and the writers share (its masking keys, its
	// compressor, its close state), and pending, the replies the engine queued that are not
	// written yet. It is never held across IO.
	emu     sync.Mutex
	pending []byte
	// wmu serializes socket writes. The reader only ever tries it: a reader that waited for a
	// writer blocked on a peer that is itself waiting to write to us would deadlock both.
	wmu  sync.Mutex
	wbuf []byte
	// msgMu serializes data messages, so that a Writer's fragments are not interleaved with
	// another message's (control frames may go between them).
	msgMu sync.Mutex

	pings pinger

	// CloseTimeout bounds the wait for the peer's close frame in Close.
	CloseTimeout time.Duration
}

// newConn runs an engine configured by cfg over nc. buffered holds bytes already read from nc
// after the handshake (they are parsed first). The engine delivers uncompressed messages in
// pieces (cfg.Stream), so that Reader streams them; Read assembles them.
func newConn(nc net.Conn, cfg ws.Config, buffered []byte) *Conn {
	cfg.Stream = true
	c := &Conn{nc: nc, eng: ws.NewEngine(cfg), role: cfg.Role, ended: make(chan struct{}), rbuf: make([]byte, max(readBufferSize, len(buffered))), CloseTimeout: 5 * time.Second}
	c.w = copy(c.rbuf, buffered)
	return c
}

// readBufferSize is the socket read size; larger messages arrive over several reads.
const readBufferSize = 16 << 10

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Read returns the next text or binary message, whole. The data is valid until the next
// read. Pings are answered by the engine (OnPing and OnPong see them). When the peer closes,
// Read answers its close frame and returns a *CloseError; a protocol violation makes it send
// the matching close code (frame.CloseCodeOf) and return the violation. The message is
// bounded by Config.MaxMessageSize; use Reader for messages that should not be held whole.
// ctx interrupts the wait: the read then fails, and so does every later one.
func (c *Conn) Read(ctx context.Context) (frame.Opcode, []byte, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if err := c.skipReader(ctx); err != nil {
		return 0, nil, err
	}
	c.msg = c.msg[:0]
	for {
		ev, err := c.next(ctx)
		if err != nil {
			return 0, nil, err
		}
		switch ev.Kind {
		case ws.EventMessage:
			return ev.Opcode, ev.Data, nil
		case ws.EventFragment:
			if ev.Final && len(c.msg) == 0 {
				return ev.Opcode, ev.Data, nil // the common case: one piece, no copy
			}
			c.msg = append(c.msg, ev.Data...)
			if ev.Final {
				return ev.Opcode, c.msg, nil
			}
		}
	}
}

// next returns the next message event (EventMessage or EventFragment), reading the socket
// as needed and handling control events on the way.
func (c *Conn) next(ctx context.Context) (ws.Event, error) {
	if c.readErr != nil {
		return ws.Event{}, c.readErr
	}
	for {
		for c.r < c.w {
			ev, err := c.parse()
			if err != nil {
				c.closeAfterReplies() // the close frame with err's code goes out first
				return ws.Event{}, c.fail(err)
			}
			switch ev.Kind {
			case ws.EventMessage, ws.EventFragment:
				return ev, nil
			case ws.EventPing:
				if c.onPing != nil {
					c.onPing(ev.Data)
				}
			case ws.EventPong:
				c.pings.pong(ev.Data)
				if c.onPong != nil {
					c.onPong(ev.Data)
				}
			case ws.EventClose:
				c.peerClose = &CloseError{Code: ev.Code, Reason: string(ev.Data)}
				if c.role == frame.RoleServer {
					c.closeAfterReplies() // RFC 6455 §7.1.1: the server closes TCP first
				}
				return ws.Event{}, c.fail(c.peerClose)
			}
			if ev.Kind == ws.EventNone {
				break // the rest of a frame is still to come
			}
		}
		if c.r == c.w {
			c.r, c.w = 0, 0
		} else if c.w == len(c.rbuf) {
			c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
			c.r = 0
		}
		n, err := c.readSocket(ctx)
		c.w += n
		if err != nil && n == 0 {
			return ws.Event{}, c.fail(err)
		}
	}
}

// closeAfterReplies writes the pending replies, waiting for a write under way but for a
// second at most, and closes the connection.
func (c *Conn) closeAfterReplies() {
	c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	c.wmu.Lock()
	c.writePendingLocked()
	c.wmu.Unlock()
	c.nc.Close()
}

// writePendingLocked writes the pending replies; the caller holds wmu.
func (c *Conn) writePendingLocked() {
	c.emu.Lock()
	c.wbuf = append(c.wbuf[:0], c.pending...)
	c.pending = c.pending[:0]
	c.emu.Unlock()
	if len(c.wbuf) > 0 {
		c.nc.Write(c.wbuf)
	}
}

// fail records the error that ends reading and returns it.
func (c *Conn) fail(err error) error {
	c.readErr = err
	c.endOnce.Do(func() { close(c.ended) })
	return err
}

// readSocket reads into the free end of the read buffer, interrupted by ctx.
func (c *Conn) readSocket(ctx context.Context) (int, error) {
	if ctx.Done() == nil {
		return c.nc.Read(c.rbuf[c.w:])
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetReadDeadline(aLongTimeAgo) })
	n, err := c.nc.Read(c.rbuf[c.w:])
	if !stop() {
		// ctx ended the read: its deadline stays in the past, so the connection is spent
		// for reading, as a net.Conn is after a timeout mid-frame.
		return n, ctxErr(ctx, err)
	}
	return n, err
}

// parse runs the engine over the buffered bytes and takes the replies it queued (a pong, the
// close echo, the failing close) to be written.
func (c *Conn) parse() (ws.Event, error) {
	c.emu.Lock()
	ev, n, err := c.eng.Parse(c.rbuf[c.r:c.w])
	c.r += n
	c.pending = c.eng.AppendReplies(c.pending)
	queued := len(c.pending) > 0
	c.emu.Unlock()
	if queued {
		c.flushReplies()
	}
	return ev, err
}

// flushReplies writes the pending replies unless a write is under way, in which case that
// writer writes them when it is done (see write). Either way the reader does not wait.
func (c *Conn) flushReplies() {
	for c.wmu.TryLock() {
		c.writePendingLocked()
		c.wmu.Unlock()
		// A reply queued while the lock was held, whose reader's TryLock failed, is ours.
		c.emu.Lock()
		more := len(c.pending) > 0
		c.emu.Unlock()
		if !more {
			return
		}
	}
}

// Write sends a whole text or binary message as one frame, compressed when permessage-deflate
// is in use. ctx interrupts a write that the peer does not take: the connection is then
// closed, since a frame may have gone out in part.
func (c *Conn) Write(ctx context.Context, op frame.Opcode, data []byte) error {
	if op != frame.OpText && op != frame.OpBinary {
		return fmt.Errorf("client: Write takes text or binary, not %v", op)
	}
	c.msgMu.Lock()
	defer c.msgMu.Unlock()
	return c.write(ctx, func(b []byte) []byte { return c.eng.AppendMessage(b, op, data, true) })
}

// Ping sends a ping and waits for the peer's pong, and returns the round trip. Pongs arrive
// through reads, so another goroutine must be reading (Read or Reader) meanwhile. A pong
// answers the ping it echoes and every earlier one (RFC 6455 §5.5.3 lets a peer answer only
// the latest).
func (c *Conn) Ping(ctx context.Context) (time.Duration, error) {
	seq, done := c.pings.start()
	defer c.pings.forget(seq)
	var payload [16]byte
	binary.BigEndian.PutUint64(payload[:8], c.pings.nonce)
	binary.BigEndian.PutUint64(payload[8:], seq)
	start := time.Now()
	if err := c.WritePing(ctx, payload[:]); err != nil {
		return 0, err
	}
	select {
	case <-done:
		return time.Since(start), nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// WritePing sends a ping with up to 125 bytes of payload and does not wait for its pong
// (OnPong sees it).
func (c *Conn) WritePing(ctx context.Context, payload []byte) error {
	var perr error
	err := c.write(ctx, func(b []byte) []byte { b, perr = c.eng.AppendPing(b, payload); return b })
	return errors.Join(perr, err)
}

// Close starts the close handshake with code and reason (frame.CloseNoStatus for a close
// without a code), waits up to CloseTimeout for the peer's close frame, and closes the
// connection. It returns the peer's close (its code and reason; the same value reads return
// after it), or nil and an error when none arrived; if the peer closed first, it returns
// that close at once. While it waits, the messages that still arrive are discarded, by Close
// itself or by the read another goroutine is running: Close may be called while a read is
// in progress.
func (c *Conn) Close(code frame.CloseCode, reason string) (*CloseError, error) {
	select {
	case <-c.ended:
		c.awaitServerClose()
		return c.peerClose, c.closeSocket()
	default:
	}
	err := c.SendClose(context.Background(), code, reason)
	if err == nil {
		c.nc.SetReadDeadline(time.Now().Add(c.CloseTimeout))
		if c.readMu.TryLock() {
			c.reader = nil
			for {
				if _, err := c.next(context.Background()); err != nil {
					break
				}
			}
			c.readMu.Unlock()
		}
		// The reader ends by the peer's close, an error, or the deadline just set, unless
		// the goroutine that read is no longer reading: then Close stops waiting too.
		t := time.NewTimer(c.CloseTimeout)
		defer t.Stop()
		select {
		case <-c.ended:
			if c.peerClose == nil {
				err = c.readErr
			}
			c.awaitServerClose()
		case <-t.C:
			return nil, errors.Join(errNoPeerClose, c.closeSocket())
		}
	}
	return c.peerClose, errors.Join(err, c.closeSocket())
}

// awaitServerClose waits, up to CloseTimeout, for the server to close TCP after the close
// handshake: RFC 6455 §7.1.1 has the server close first, so that the client's port does not
// linger in TIME_WAIT. Reading has ended, so the socket is read here directly.
func (c *Conn) awaitServerClose() {
	if c.role != frame.RoleClient || c.peerClose == nil {
		return
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	c.nc.SetReadDeadline(time.Now().Add(c.CloseTimeout))
	var buf [512]byte
	for {
		if _, err := c.nc.Read(buf[:]); err != nil {
			return
		}
	}
}

// closeSocket closes the connection; one already closed (after a protocol error, or by the
// server's side of the close handshake) is not an error.
func (c *Conn) closeSocket() error {
	if err := c.nc.Close(); !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// SendClose sends our close frame and returns without waiting: the goroutine that reads
// sees the peer's answer as the *CloseError its read returns, after every message the peer
// sent before it. Close the connection afterwards with Close, which then returns at once.
func (c *Conn) SendClose(ctx context.Context, code frame.CloseCode, reason string) error {
	var cerr error
	err := c.write(ctx, func(b []byte) []byte { b, cerr = c.eng.AppendClose(b, code, reason); return b })
	return errors.Join(cerr, err)
}

// write encodes, after any pending replies, and sends the bytes with one write; then it
// writes the replies the reader queued meanwhile.
func (c *Conn) write(ctx context.Context, encode func([]byte) []byte) error {
	c.wmu.Lock()
	c.emu.Lock()
	c.wbuf = append(c.wbuf[:0], c.pending...)
	c.pending = c.pending[:0]
	c.wbuf = encode(c.wbuf)
	c.emu.Unlock()
	err := c.send(ctx, c.wbuf)
	c.wmu.Unlock()
	c.flushReplies()
	return err
}

// send writes b, interrupted by ctx.
func (c *Conn) send(ctx context.Context, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if ctx.Done() == nil {
		_, err := c.nc.Write(b)
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetWriteDeadline(aLongTimeAgo) })
	_, err := c.nc.Write(b)
	if !stop() {
		c.nc.Close() // part of a frame may be out: nothing more can follow it
		return ctxErr(ctx, err)
	}
	return err
}

var errNoPeerClose = errors.New("client: no close frame from the peer within CloseTimeout")

// pinger matches pongs to the pings Ping waits on. Its pings carry a random nonce of the
// connection and a sequence number, so that no other pong (one for a WritePing, one the
// peer sends unasked) is taken for theirs.
type pinger struct {
	mu      sync.Mutex
	nonce   uint64
	seq     uint64
	waiting map[uint64]chan struct{}
}

func (p *pinger) start() (uint64, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	if p.waiting == nil {
		p.waiting = map[uint64]chan struct{}{}
		p.nonce = rand.Uint64()
	}
	ch := make(chan struct{})
	p.waiting[p.seq] = ch
	return p.seq, ch
}

func (p *pinger) forget(seq uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.waiting, seq)
}

// pong wakes the pings that payload answers: the one it echoes and every earlier one.
func (p *pinger) pong(payload []byte) {
	if len(payload) != 16 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.waiting == nil || binary.BigEndian.Uint64(payload) != p.nonce {
		return
	}
	seq := binary.BigEndian.Uint64(payload[8:])
	for s, ch := range p.waiting {
		if s <= seq {
			close(ch)
			delete(p.waiting, s)
		}
	}
}
