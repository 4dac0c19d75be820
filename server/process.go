package server

import (
	"errors"
	"os"
	"time"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// This file is Cowboy's connection loop as a state machine with no IO: a driver feeds it the
// bytes it read (receive, or payloadSpace/payloadRead), lets it run its mailbox and a
// shutdown (advance), tells it the time when a deadline passes (tick) and that the socket
// ended (closed); it takes the bytes to write (output, wrote), and asks whether the
// connection wants to read (reading), when it must be looked at next (deadline), whether it
// may give its buffers back (sleepy) and whether it is over (done, then finish). Every rule
// of the connection (idle timeout, active/passive, hibernation, the close handshake, crash
// to 1011, reply lists, the mailbox, the terminate reason) is here and nowhere else.

// The process reads no clock: the driver tells it the time with every input (at, readAt,
// payloadRead, tick), and the process's deadlines (idle, close, write) count from it.

// at tells the connection the time before an input that carries none (infos, a shutdown,
// frames held from an earlier read).
func (c *Conn) at(now time.Time) { c.now = instantOf(now) }

// begin runs websocket_init; it is the connection's first step, on its driver.
func (c *Conn) begin(now time.Time) {
	c.at(now)
	c.lastRead = c.now
	if wi, ok := c.h.(WebsocketIniter); ok && !c.done {
		c.apply(c.call(cbWebsocketInit, func() Result { return wi.WebsocketInit(c) }))
	}
}

// receive runs the complete frames at the front of b through the handler and returns how
// many bytes it consumed; the caller keeps the rest for later. It stops early, with again
// true, when frames remain that it may not handle now: the connection is inactive (they run
// once it is active again) or a large reply waits in tail (they run once it is written).
func (c *Conn) receive(b []byte) (n int, again bool) {
	for len(b) > n && !c.done {
		if c.tailPending() || c.exhausted() {
			again = true
			break
		}
		if !c.active && !c.closing {
			c.held, again = true, true
			break
		}
		ev, k, err := c.eng.Parse(b[n:])
		n += k
		c.parsed = int32(n)
		if err != nil {
			c.fail(err)
			break
		}
		if ev.Kind == ws.EventNone {
			break
		}
		c.event(ev)
	}
	c.parsed = 0
	if !again {
		c.held = false
	}
	c.account()
	return n, again
}

// Sizes from which the payload skips a copy: a reply at least writeThroughMin long is sent
// from where it is rather than copied into the write buffer, and the rest of a frame at least
// directReadMin long is read into the engine's message buffer rather than the read buffer.
// Smaller ones are batched: copies cost less than the system calls they save.
const (
	writeThroughMin = 32 << 10
	directReadMin   = 8 << 10
)

// A driver that shares its goroutine between connections (an event loop) gives each a
// budget of message bytes per turn: handling a message costs about its size in work
// (unmasking, validating, inflating, the handler's own), and a deflate bomb makes 16 KiB
// read cost a whole message limit of it. receive stops, with again true, once a turn's
// budget is spent; the driver carries the rest over to the connection's next turn, after
// the other connections had theirs. A goroutine's turns are not budgeted: Go's scheduler
// shares the cores among goroutines.
func (c *Conn) startTurn(budget int32) {
	c.turnLeft, c.budgeted = budget, true
}

// exhausted reports whether this turn's budget is spent.
func (c *Conn) exhausted() bool { return c.budgeted && c.turnLeft <= 0 }

// payloadSpace returns where the driver may read the next bytes when they can skip its read
// buffer (the rest of a large frame, read into the engine's message buffer), or nil.
func (c *Conn) payloadSpace() []byte {
	if c.done || c.tailPending() || !c.active && !c.closing || c.exhausted() {
		return nil
	}
	if space := c.eng.PayloadSpace(); len(space) >= directReadMin {
		return space
	}
	return nil
}

// payloadRead takes n bytes read into payloadSpace and runs the event they complete.
func (c *Conn) payloadRead(n int, now time.Time) {
	c.readAt(now)
	ev, err := c.eng.PayloadRead(n)
	if err != nil {
		c.fail(err)
	} else if ev.Kind != ws.EventNone {
		c.event(ev)
	}
	c.account()
}

// readAt records that bytes arrived at now, for the idle timeout.
func (c *Conn) readAt(now time.Time) {
	c.at(now)
	c.lastRead = c.now
}

func (c *Conn) event(ev ws.Event) {
	if ev.Kind == ws.EventClose {
		if !c.closing {
			c.setReason(ReasonRemote{Code: ev.Code, Payload: clone(ev.Data)})
			c.takeReplies() // the engine's echo of the client's close code
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
		c.turnLeft -= int32(min(len(ev.Data), 1<<30))
	case ws.EventPing:
		c.takeReplies() // the engine's pong goes out before anything the handler sends
		f = Ping(ev.Data)
	case ws.EventPong:
		f = Pong(ev.Data)
	default:
		return
	}
	c.apply(c.call(cbWebsocketHandle, func() Result { return c.h.WebsocketHandle(c, f) }))
	if ev.Kind == ws.EventMessage {
		// A reply may still point into the message's memory: dropped, not reused, it
		// lives until that reply is written.
		c.eng.Trim(keptMessageBuffer)
	}
}

// keptMessageBuffer is the largest message buffer a connection keeps between messages:
// larger ones are dropped once their message is handled, so an idle connection's memory
// does not depend on the largest message it ever received. 64 KiB keeps the buffers of
// the messages most applications send, which then cost no allocation.
const keptMessageBuffer = 64 << 10

// advance runs what is due without new bytes: the mailbox's infos (unless output is waiting
// for the socket, so that a client that does not read cannot make the server queue without
// bound) and a shutdown.
func (c *Conn) advance() {
	if c.done {
		return
	}
	if !c.closing && (!c.blocked() || c.policy() == BackpressureDrop) {
		c.deliver()
		if !c.mb.empty() {
			c.drv.wake() // infos sent during deliver: they get the next round
		}
	}
	if c.shutdown.Load() && !c.closing && !c.done {
		c.startClose(frame.CloseGoingAway, ReasonShutdown{})
	}
}

// deliver runs WebsocketInfo for the infos in the mailbox, as many as were there when it
// started: a handler that sends itself an info from WebsocketInfo gets it next time, after
// the socket had its turn. It stops once more than MaxBackpressure bytes wait, except
// under Drop, which leaves their frames out instead: a full mailbox of broadcasts to a
// client that does not read costs the bound, not the mailbox's worth of lines.
func (c *Conn) deliver() {
	for n := c.mb.len(); n > 0 && !c.closing && !c.done; n-- {
		if c.overBound() && c.policy() != BackpressureDrop {
			return // the rest waits in the mailbox until the output drains
		}
		info, ok := c.mb.pop()
		if !ok {
			return
		}
		c.apply(c.call(cbWebsocketInfo, func() Result { return c.h.WebsocketInfo(c, info) }))
	}
}

// tick tells the connection the time, once one of its deadlines may have passed.
func (c *Conn) tick(t time.Time) {
	c.at(t)
	now := c.now
	switch {
	case c.blocked() && c.writeBy != 0 && now >= c.writeBy:
		c.setReason(ReasonError{Err: os.ErrDeadlineExceeded})
		c.drop()
	case c.closing && now >= c.closeBy:
		c.done = true
	case !c.closing && !c.done && c.idle > 0 && now >= c.lastRead.add(c.idle):
		c.startClose(frame.CloseNormal, ReasonTimeout{})
	}
}

// closed tells the connection that its socket ended (err nil: the end of the stream).
func (c *Conn) closed(err error) {
	if err == nil {
		err = ErrClosed
	}
	c.setReason(ReasonError{Err: err})
	c.done = true
}

// failedWrite tells the connection that a write failed: nothing more can be sent.
func (c *Conn) failedWrite(err error) {
	c.setReason(ReasonError{Err: err})
	c.drop()
}

// drop ends the connection without sending what is queued.
func (c *Conn) drop() {
	c.done = true
	if o := c.obox; o != nil {
		o.b, o.sent, o.tail = o.b[:0], 0, nil
	}
	c.count(0)
}

// deadline returns when the connection must next be told the time, or zero for never.
func (c *Conn) deadline() time.Time {
	if dl := c.due(); dl != 0 {
		return dl.time()
	}
	return time.Time{}
}

func (c *Conn) due() instant {
	var dl instant
	switch {
	case c.closing || c.done:
		dl = c.closeBy
	case c.idle > 0:
		dl = c.lastRead.add(c.idle)
	}
	if c.blocked() && c.writeBy != 0 && (dl == 0 || c.writeBy < dl) {
		dl = c.writeBy
	}
	return dl
}

// reading reports whether the connection wants the client's bytes now.
func (c *Conn) reading() bool {
	return !c.done && !c.blocked() && (c.active || c.closing) && !c.overBudget()
}

// sleepy reports whether the connection may give back what it can rebuild (Cowboy's
// hibernate): the last callback asked to, and nothing is half done.
func (c *Conn) sleepy() bool {
	return c.hibernate && !c.done && !c.blocked()
}

// sleep gives back the engine's message buffers and the extension's state.
func (c *Conn) sleep() {
	c.eng.Release()
	c.account()
}

// call runs one user callback under the crash policy (crash.go).
func (c *Conn) call(cb callback, run func() Result) (res Result) {
	if c.tailPending() {
		c.spill() // the callback may reuse the memory a pending reply points to
	}
	returned := false
	defer func() {
		if !returned {
			v, stack := recoverCrash(recover())
			c.crash(cb, v, stack)
		}
	}()
	res = run()
	returned = true
	return res
}

// crash closes the connection with 1011 for a callback that panicked or exited, and logs it.
func (c *Conn) crash(cb callback, v any, stack []byte) {
	c.opts.Logger.Error("server: handler crashed", "callback", cb.String(), "panic", v,
		"remote", addrString(c.drv.remoteAddr()), "stack", string(stack))
	c.startClose(frame.CloseInternalError, ReasonCrash{Value: v, Stack: stack})
}

// apply carries out a callback's result: frames in order, then stop, then hibernation.
func (c *Conn) apply(res Result) {
	c.hibernate = res.hibernate
	if res.reply {
		c.sendBounded(res.first)
		for _, f := range res.more {
			c.sendBounded(f)
		}
	}
	if res.stop {
		c.startClose(frame.CloseNormal, ReasonStop{})
	}
}

// sendEncoded queues a frame that is encoded already (a Prepared's): a large one is written
// from where it is, since a Prepared never changes; a small one is copied, as frames are.
func (c *Conn) sendEncoded(wire []byte) {
	out := c.output0()
	if len(wire) >= writeThroughMin {
		c.obox.b, c.obox.tail = out, wire
		return
	}
	c.obox.b = append(out, wire...)
}

// errBadOpcode is the error of a ReplyError whose frame has no frame type.
var errBadOpcode = errors.New("server: not a frame type")

func (c *Conn) send(f Frame) {
	if c.closing || c.done {
		return // nothing after a close frame is sent
	}
	if f.Op != frame.OpClose && c.policy() == BackpressureDrop && c.overBound() {
		c.srv.droppedFrames.Add(1) // before compressing: a takeover window never sees it
		return
	}
	var err error
	switch f.Op {
	case frame.OpText, frame.OpBinary:
		compress := c.compress && !f.Uncompressed
		if f.Prepared != nil {
			c.sendEncoded(f.Prepared.wire(c, compress))
			return
		}
		if len(f.Data) >= writeThroughMin && !compress {
			// A large payload goes out from where it is, behind its header.
			out, ok := c.eng.AppendMessageHeader(c.output0(), f.Op, len(f.Data))
			if c.obox.b = out; ok {
				c.obox.tail = f.Data
				return
			}
		}
		c.setOutput(c.eng.AppendMessage(c.output0(), f.Op, f.Data, compress))
	case frame.OpPing:
		err = c.setOutputOr(c.eng.AppendPing(c.output0(), f.Data))
	case frame.OpPong:
		err = c.setOutputOr(c.eng.AppendPong(c.output0(), f.Data))
	case frame.OpClose:
		if err = c.setOutputOr(c.eng.AppendClose(c.output0(), f.Code, string(f.Data))); err == nil {
			c.setReason(ReasonStop{})
			c.beginClosing()
		}
	default:
		err = errBadOpcode
	}
	if err != nil {
		// The handler asked for a frame that cannot be sent (a close code that may not be
		// sent, such as 999 or 1006, or a control payload over 125 bytes): a bug in the
		// handler, handled as a crash rather than sent wrong or silently dropped.
		f.Data = clone(f.Data) // Terminate sees it after the buffer it came from is reused
		c.crash(cbReply, &ReplyError{Frame: f, Err: err}, nil)
	}
}

// fail ends the connection for a protocol error found in the client's bytes
// (RFC 6455 §7.1.7): the engine has queued the close frame with the error's code; send it,
// then wait for the client's close. The error itself is the terminate reason: its kind
// (frame.ErrBadFrame, ErrBadEncoding, ErrBadSize, ...) is Cowboy's {error, badframe} and kin.
func (c *Conn) fail(err error) {
	if c.closing {
		c.done = true // the client misbehaves during the close handshake: just close
		return
	}
	c.setReason(ReasonError{Err: err})
	c.takeReplies()
	c.beginClosing()
	if c.eng.CloseReceived() {
		// The violation was in the client's close frame: both closes are exchanged, and
		// the server closes TCP first (RFC 6455 §7.1.1) instead of waiting for another.
		c.done = true
	}
}

// takeReplies moves the control frames the engine queued (pong, close echo, failing close)
// into the output.
func (c *Conn) takeReplies() {
	c.setOutput(c.eng.AppendReplies(c.output0()))
}

// startClose sends our close frame with code, recording why.
func (c *Conn) startClose(code frame.CloseCode, why Reason) {
	c.setReason(why)
	if !c.closing && !c.done {
		c.closeWith(code)
	}
}

func (c *Conn) closeWith(code frame.CloseCode) {
	c.setOutputOr(c.eng.AppendClose(c.output0(), code, ""))
	c.beginClosing()
}

func (c *Conn) beginClosing() {
	c.closing = true
	c.closeBy = c.now.add(c.opts.CloseTimeout)
}

// setReason keeps the first reason: what ended the connection first is what terminate sees.
func (c *Conn) setReason(r Reason) {
	if c.reason == nil {
		c.reason = r
	}
}

// output0 returns the write buffer to append to: taken from the pool when there is none,
// and with a pending tail copied in first, so that bytes leave in the order they were made.
// What it returns goes back with setOutput once appended to: a connection holds its output,
// and the state of its writing, in the pooled box only while it has something to send.
func (c *Conn) output0() []byte {
	if c.obox == nil {
		c.obox = c.srv.bufs.get(max(c.opts.ReadBufferSize, c.outSize.bytes()))
		c.obox.b = c.obox.b[:0]
	} else if c.obox.tail != nil {
		c.spill()
	}
	return c.obox.b
}

// setOutput keeps b, the buffer output0 returned with bytes appended.
func (c *Conn) setOutput(b []byte) { c.obox.b = b }

// setOutputOr is setOutput for an append that may fail, which then appends nothing.
func (c *Conn) setOutputOr(b []byte, err error) error {
	c.obox.b = b
	return err
}

// spill copies the pending tail into the write buffer.
func (c *Conn) spill() {
	o := c.obox
	t := o.tail
	o.tail = nil
	o.b = append(o.b, t...)
}

// tailPending reports whether a large payload waits to be written from where it is.
func (c *Conn) tailPending() bool { return c.obox != nil && c.obox.tail != nil }

// buffered returns how many bytes of output wait for the client to read them: the
// backpressure that Options.MaxBackpressure bounds (uWebSockets' getBufferedAmount).
func (c *Conn) buffered() int {
	if o := c.obox; o != nil {
		return len(o.b) - o.sent + len(o.tail)
	}
	return 0
}

// count keeps the server's total of buffered output (Stats.Buffered) in step with this
// connection's; it costs nothing while the socket takes everything.
func (c *Conn) count(n int) {
	if c.obox == nil {
		return // nothing counted: the box goes back only once its count is 0
	}
	if d := int64(n - c.obox.counted); d != 0 {
		c.srv.buffered.Add(d)
		c.obox.counted = n
	}
}

// blocked reports whether output waits for the socket.
func (c *Conn) blocked() bool {
	o := c.obox
	return o != nil && (o.sent < len(o.b) || o.tail != nil)
}

// output returns what is to be written, in order: head, then tail.
func (c *Conn) output() (head, tail []byte) {
	if o := c.obox; o != nil {
		return o.b[o.sent:], o.tail
	}
	return nil, nil
}

// wrote records that the driver wrote n bytes of output, at the time of the last input.
// What the socket did not take waits, copied out of any memory the handler may reuse, until
// Options.WriteTimeout.
func (c *Conn) wrote(n int) {
	if n > 0 && c.policy() == BackpressureDrop {
		// Infos keep adding output under Drop, so it may never drain all at once: the
		// write timeout counts from the socket's last progress instead.
		c.writeBy = 0
	}
	o := c.obox
	if o == nil {
		return
	}
	head := len(o.b) - o.sent
	if n < head {
		o.sent += n
		if o.tail != nil {
			c.spill()
		}
	} else if n -= head; n < len(o.tail) {
		rest := o.tail[n:]
		o.tail = nil
		o.b = append(o.b[:0], rest...)
		o.sent = 0
	} else {
		c.writeBy = 0
		// Everything is sent: the buffer goes back to the pool, so an idle connection holds
		// none, and a busy one takes the same buffer back from the per-P cache.
		c.count(0)
		c.giveOutputBack()
		return
	}
	if c.policy() == BackpressureClose && c.overBound() {
		c.srv.closedBackpressure.Add(1)
		c.setReason(ReasonError{Err: ErrBackpressure})
		c.drop()
		return
	}
	if c.writeBy == 0 && c.opts.WriteTimeout > 0 {
		c.writeBy = c.now.add(c.opts.WriteTimeout)
	}
	c.count(c.buffered())
}

// giveOutputBack returns the output's box, sent or dropped, to the pool, and remembers its
// size for the next output's (outputSize).
func (c *Conn) giveOutputBack() {
	if o := c.obox; o != nil {
		c.outSize = c.outSize.after(len(o.b))
		o.sent, o.tail, o.counted = 0, nil, 0
		c.srv.bufs.put(o, o.b)
		c.obox = nil
	}
}

// finish runs terminate and gives everything back; the driver calls it once, after the
// connection is done and its output written or dropped. Its cleanup is deferred, so it runs
// even when Terminate exits its goroutine.
func (c *Conn) finish() {
	if c.ended {
		return
	}
	c.ended = true
	c.mb.close()
	c.setReason(ReasonError{Err: ErrClosed})
	defer c.release()
	if t, ok := c.h.(Terminator); ok {
		c.srv.terminate(t, c.reason, c.drv)
	}
}

func (c *Conn) release() {
	c.count(0)
	c.giveOutputBack()
	c.eng.Release()
	c.leaveBudget()
	if c.ctx != nil {
		c.ctx.cancel(c.cause())
	}
	c.srv.remove(c)
}

// cause is why the connection's Context ends.
func (c *Conn) cause() error {
	if cr, ok := c.reason.(ReasonCrash); ok {
		return &CrashError{Value: cr.Value, Stack: cr.Stack}
	}
	if c.ctx != nil && c.ctx.reason != nil {
		return c.ctx.reason
	}
	return ErrConnEnded
}

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
