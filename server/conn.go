package server

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// Conn is one upgraded connection, as its handler's callbacks see it. Its methods are the
// commands Cowboy handlers return (active, deflate, set_options) plus Self; call them only
// from the connection's own callbacks. The one exception is Self's Pid, which any goroutine
// may use.
type Conn struct {
	srv      *Server
	nc       net.Conn
	eng      ws.Engine
	h        Handler
	opts     Options
	idle     time.Duration
	protocol string
	compress bool
	mb       mailbox

	rbuf  []byte
	rbox  *bufBox  // the pool's holder of rbuf, nil while sleeping
	r, w  int      // rbuf[r:w] holds bytes read but not yet parsed
	small [64]byte // what a hibernating connection reads into
	wbuf  []byte
	wbox  *bufBox
	infos []any // spare slice for mailbox.take

	lastRead time.Time
	armed    time.Time // the read deadline last set
	closeBy  time.Time // when waiting for the client's close frame stops

	woken     atomic.Bool
	shutdown  atomic.Bool
	wakeCh    chan struct{} // wakes a connection that is not reading (active false)
	active    bool
	hibernate bool // the last callback asked to hibernate
	sleeping  bool // buffers given back
	held      bool // frames wait in the read buffer because the connection is inactive
	closing   bool // our close frame is sent; waiting for the client's
	done      bool
	reason    Reason

	// Driven by an event loop (Options.EventLoops): the loop owns fd and these fields.
	lp         *loop
	fd         int    // the socket, -1 until attached and after the end
	carry      []byte // bytes of an unfinished frame, kept between turns
	wo         int    // wbuf[:wo] is written; the rest waits for the socket
	iov        net.Buffers
	writeBy    time.Time
	timer      *time.Timer
	interest   uint32 // epoll events asked for
	started    bool
	queued     bool // in the loop's wake list; guarded by the loop's mutex
	timerFired atomic.Bool
	killed     atomic.Bool
}

// Self returns the connection's Pid, for use by any goroutine.
func (c *Conn) Self() Pid { return Pid{&c.mb} }

// Protocol returns the subprotocol selected in InitFunc, or "".
func (c *Conn) Protocol() string { return c.protocol }

// RemoteAddr returns the client's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// SetActive stops (false) or resumes (true) reading from the socket: Cowboy's
// {active, false} flow-control command. While inactive the connection still receives infos,
// and the idle timeout does not run.
func (c *Conn) SetActive(active bool) { c.active = active }

// SetDeflate turns compression of the messages sent from now on off or on (Cowboy's
// {deflate, false}); it has an effect only when permessage-deflate was negotiated.
func (c *Conn) SetDeflate(on bool) { c.compress = on }

// SetIdleTimeout changes the idle timeout of this connection (Cowboy's set_options
// command); d <= 0 disables it.
func (c *Conn) SetIdleTimeout(d time.Duration) { c.idle = max(d, 0) }

// SetMaxFrameSize changes the largest frame and message this connection accepts, as in
// Options.
func (c *Conn) SetMaxFrameSize(maxFrame, maxMessage int64) { c.eng.SetLimits(maxFrame, maxMessage) }

// wake interrupts the connection's blocking read so that it drains its mailbox: the read
// deadline is moved to the past. This is how infos reach a connection without a second
// goroutine parked beside it.
func (c *Conn) wake() {
	if c.lp != nil {
		c.lp.wake(c)
		return
	}
	c.woken.Store(true)
	c.nc.SetReadDeadline(aLongTimeAgo)
	select {
	case c.wakeCh <- struct{}{}:
	default:
	}
}

var aLongTimeAgo = time.Unix(1, 0)

// abort closes the socket at once, for a Shutdown whose context ended.
func (c *Conn) abort() {
	if c.lp != nil {
		c.killed.Store(true)
		c.lp.wake(c)
		return
	}
	c.nc.Close()
}

// run is the connection's process: it owns the engine and the handler until the end.
func (c *Conn) run() {
	defer c.finish()
	c.lastRead = time.Now()
	if wi, ok := c.h.(WebsocketIniter); ok && !c.done {
		c.apply(c.call(func() Result { return wi.WebsocketInit(c) }))
	}
	for !c.done {
		c.process()
		c.drain()
		if c.shutdown.Load() && !c.closing && !c.done {
			c.startClose(frame.CloseGoingAway, ReasonShutdown{})
		}
		c.flush()
		if c.done {
			return
		}
		if c.hibernate && !c.sleeping {
			c.sleep()
		}
		if !c.active && !c.closing {
			<-c.wakeCh
			continue
		}
		if c.held {
			continue // reactivated with frames still in the buffer: handle them first
		}
		c.readSocket()
	}
}

// process runs every complete frame in the read buffer through the handler.
func (c *Conn) process() {
	c.held = false
	for c.r < c.w && !c.done {
		if !c.active && !c.closing {
			c.held = true // flow control: the rest waits until SetActive(true)
			break
		}
		ev, n, err := c.eng.Parse(c.rbuf[c.r:c.w])
		c.r += n
		if err != nil {
			c.fail(err)
			return
		}
		if ev.Kind == ws.EventNone {
			break
		}
		c.event(ev)
	}
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
}

func (c *Conn) event(ev ws.Event) {
	if ev.Kind == ws.EventClose {
		if !c.closing {
			c.setReason(ReasonRemote{Code: ev.Code, Payload: clone(ev.Data)})
			c.wbuf = c.eng.AppendCloseReply(c.out(), ev.Code)
		}
		// RFC 6455 §7.1.1: the server closes the TCP connection first, now.
		c.done = true
		return
	}
	if c.closing {
		return // RFC 6455 §5.5.1: nothing more is handled once our close is sent
	}
	var f Frame
	switch ev.Kind {
	case ws.EventMessage:
		f = Frame{Op: ev.Opcode, Data: ev.Data}
	case ws.EventPing:
		// RFC 6455 §5.5.2: answer with a pong carrying the same data, then tell the handler.
		c.wbuf, _ = c.eng.AppendPong(c.out(), ev.Data)
		f = Ping(ev.Data)
	case ws.EventPong:
		f = Pong(ev.Data)
	default:
		return
	}
	c.apply(c.call(func() Result { return c.h.WebsocketHandle(c, f) }))
}

// drain delivers the mailbox's infos to WebsocketInfo.
func (c *Conn) drain() {
	if c.closing || c.done {
		return
	}
	infos := c.mb.take(c.infos)
	for i, info := range infos {
		infos[i] = nil
		if c.closing || c.done {
			continue
		}
		c.apply(c.call(func() Result { return c.h.WebsocketInfo(c, info) }))
	}
	c.infos = infos[:0]
}

// call runs one callback, turning a panic into ReasonCrash: a panicking handler closes its
// own connection with 1011 and never takes the server down.
func (c *Conn) call(cb func() Result) (res Result) {
	defer func() {
		if v := recover(); v != nil {
			c.startClose(frame.CloseInternalError, ReasonCrash{Value: v, Stack: debug.Stack()})
			res = Result{}
		}
	}()
	return cb()
}

// apply carries out a callback's result: frames in order, then stop, then hibernation.
func (c *Conn) apply(res Result) {
	c.hibernate = res.hibernate
	if res.reply {
		c.send(res.first)
		for _, f := range res.more {
			c.send(f)
		}
	}
	if res.stop {
		c.startClose(frame.CloseNormal, ReasonStop{})
	}
}

func (c *Conn) send(f Frame) {
	if c.closing || c.done {
		return // nothing after a close frame is sent
	}
	var err error
	switch f.Op {
	case frame.OpText, frame.OpBinary:
		compress := c.compress && !f.Uncompressed
		if len(f.Data) >= writeThroughMin && !compress {
			// A large payload goes out from where it is, behind its header, with writev.
			var ok bool
			if c.wbuf, ok = c.eng.AppendMessageHeader(c.out(), f.Op, len(f.Data)); ok {
				c.writeThrough(f.Data)
				return
			}
		}
		c.wbuf = c.eng.AppendMessage(c.out(), f.Op, f.Data, compress)
	case frame.OpPing:
		c.wbuf, err = c.eng.AppendPing(c.out(), f.Data)
	case frame.OpPong:
		c.wbuf, err = c.eng.AppendPong(c.out(), f.Data)
	case frame.OpClose:
		c.setReason(ReasonStop{})
		c.wbuf, err = c.eng.AppendClose(c.out(), f.Code, string(f.Data))
		c.beginClosing()
	default:
		err = errors.New("server: reply with an opcode that is not a frame type: " + f.Op.String())
	}
	if err != nil {
		c.startClose(frame.CloseInternalError, ReasonCrash{Value: err})
	}
}

// fail ends the connection for a protocol error found in the client's bytes
// (RFC 6455 §7.1.7): close with the error's code, then wait for the client's close.
func (c *Conn) fail(err error) {
	if c.closing {
		c.done = true // the client misbehaves during the close handshake: just close
		return
	}
	code := ws.CloseCodeOf(err)
	reason := ErrBadFrame
	if code == frame.CloseInvalidPayload {
		reason = ErrBadEncoding
	}
	c.setReason(ReasonError{Err: errors.Join(reason, err)})
	c.closeWith(code)
	if c.eng.CloseReceived() {
		// The violation was in the client's close frame: both closes are exchanged, and
		// the server closes TCP first (RFC 6455 §7.1.1) instead of waiting for another.
		c.done = true
	}
}

// startClose sends our close frame with code, recording why.
func (c *Conn) startClose(code frame.CloseCode, why Reason) {
	c.setReason(why)
	if !c.closing && !c.done {
		c.closeWith(code)
	}
}

func (c *Conn) closeWith(code frame.CloseCode) {
	c.wbuf, _ = c.eng.AppendClose(c.out(), code, "")
	c.beginClosing()
}

func (c *Conn) beginClosing() {
	c.closing = true
	c.closeBy = time.Now().Add(c.opts.CloseTimeout)
}

// setReason keeps the first reason: what ended the connection first is what terminate sees.
func (c *Conn) setReason(r Reason) {
	if c.reason == nil {
		c.reason = r
	}
}

// readSocket blocks until the socket has bytes, an info arrives, or a deadline passes.
func (c *Conn) readSocket() {
	var dl time.Time
	switch {
	case c.closing:
		dl = c.closeBy
	case c.idle > 0:
		dl = c.lastRead.Add(c.idle)
	}
	// Re-arm after a wake-up too: the waker moved the deadline to the past.
	if c.woken.Swap(false) || !dl.Equal(c.armed) {
		c.nc.SetReadDeadline(dl)
		c.armed = dl
	}
	// A wake-up (info or shutdown) before this point is seen here; one after it moves the
	// deadline set above to the past, so the Read below returns at once. None is lost.
	if !c.closing && (c.shutdown.Load() || !c.mb.empty()) {
		return
	}
	var n int
	var err error
	if space := c.directSpace(); space != nil {
		n, err = c.nc.Read(space)
		if n > 0 {
			c.payloadRead(n)
		}
	} else if c.sleeping {
		n, err = c.nc.Read(c.small[:])
		if n > 0 {
			c.grab()
			c.w = copy(c.rbuf, c.small[:n])
		}
	} else {
		c.grab()
		if c.w == len(c.rbuf) && c.r > 0 {
			c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
			c.r = 0
		}
		n, err = c.nc.Read(c.rbuf[c.w:])
		c.w += n
	}
	if n > 0 {
		c.lastRead = time.Now()
	}
	if err == nil {
		return
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.armed = time.Time{} // unknown now: a waker may have moved it
		now := time.Now()
		switch {
		case c.closing && !now.Before(c.closeBy):
			c.done = true
		case !c.closing && c.idle > 0 && now.Sub(c.lastRead) >= c.idle:
			c.startClose(frame.CloseNormal, ReasonTimeout{})
		}
		return
	}
	if n > 0 {
		c.process() // bytes that came with the error still count
	}
	if errors.Is(err, io.EOF) {
		err = ErrClosed
	}
	c.setReason(ReasonError{Err: err})
	c.done = true
}

// Sizes from which the payload skips a copy: a reply at least writeThroughMin long is sent
// from where it is rather than copied into the write buffer, and the rest of a frame at least
// directReadMin long is read into the engine's message buffer rather than the read buffer.
// Smaller ones are batched: copies cost less than the system calls they save.
const (
	writeThroughMin = 32 << 10
	directReadMin   = 8 << 10
)

// writeThrough sends the write buffer and then payload with one writev.
func (c *Conn) writeThrough(payload []byte) {
	if c.lp != nil {
		c.loopWriteThrough(payload)
		return
	}
	if c.opts.WriteTimeout > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
	}
	c.iov = append(c.iov[:0], c.wbuf, payload)
	_, err := c.iov.WriteTo(c.nc)
	c.iov = c.iov[:0]
	c.wbuf = c.wbuf[:0]
	if err != nil {
		c.setReason(ReasonError{Err: err})
		c.done = true
	}
}

// directSpace returns where the next read goes when it can skip the read buffer: the rest of
// a large frame, read into the engine's message buffer.
func (c *Conn) directSpace() []byte {
	if c.sleeping || c.r != c.w || len(c.carry) > 0 {
		return nil
	}
	if space := c.eng.PayloadSpace(); len(space) >= directReadMin {
		return space
	}
	return nil
}

// payloadRead hands the engine n bytes read into directSpace and runs the event they complete.
func (c *Conn) payloadRead(n int) {
	ev, err := c.eng.PayloadRead(n)
	if err != nil {
		c.fail(err)
		return
	}
	if ev.Kind != ws.EventNone {
		c.event(ev)
	}
}

// flush writes everything the callbacks produced with one write.
func (c *Conn) flush() {
	if len(c.wbuf) == 0 {
		return
	}
	if c.opts.WriteTimeout > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
	}
	_, err := c.nc.Write(c.wbuf)
	// The write buffer goes back to the pool after every flush: an idle connection holds
	// only its read buffer, and a busy one takes the same buffer back from the per-P cache.
	c.srv.putBuf(c.wbox, c.wbuf)
	c.wbox, c.wbuf = nil, nil
	if err != nil {
		c.setReason(ReasonError{Err: err})
		c.done = true
	}
}

// out returns the write buffer, taking one from the pool after hibernation.
func (c *Conn) out() []byte {
	if c.wbuf == nil {
		c.wbox = c.srv.getBuf(c.opts.ReadBufferSize)
		c.wbuf = c.wbox.b[:0]
	}
	return c.wbuf
}

// grab takes a read buffer after hibernation.
func (c *Conn) grab() {
	if c.rbuf == nil {
		c.rbox = c.srv.getBuf(c.opts.ReadBufferSize)
		c.rbuf = c.rbox.b
		c.sleeping = false
	}
}

// sleep gives back what can be rebuilt: the read and write buffers, the engine's message
// buffers and the extension's state (Cowboy's hibernate).
func (c *Conn) sleep() {
	if c.r != c.w {
		return // a partial frame is waiting for its end
	}
	c.srv.putBuf(c.rbox, c.rbuf)
	c.srv.putBuf(c.wbox, c.wbuf)
	c.rbuf, c.wbuf, c.rbox, c.wbox, c.infos = nil, nil, nil, nil, nil
	c.r, c.w = 0, 0
	c.eng.Release()
	c.sleeping = true
}

// finish calls terminate, then closes the socket and gives everything back.
func (c *Conn) finish() {
	if v := recover(); v != nil {
		// A bug in this package, not in the handler: still terminate and close.
		c.setReason(ReasonCrash{Value: v, Stack: debug.Stack()})
	}
	c.flush() // replies still queued, such as the answer to a close that came with EOF
	c.mb.close()
	c.setReason(ReasonError{Err: ErrClosed})
	c.terminate()
	c.nc.Close()
	c.srv.putBuf(c.rbox, c.rbuf)
	c.srv.putBuf(c.wbox, c.wbuf)
	c.rbuf, c.wbuf, c.rbox, c.wbox = nil, nil, nil, nil
	c.srv.remove(c)
}

// terminate calls the handler's Terminate with the connection's reason.
func (c *Conn) terminate() {
	if t, ok := c.h.(Terminator); ok {
		defer func() { recover() }() // a panic in terminate ends nothing more
		t.Terminate(c.reason)
	}
}

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
