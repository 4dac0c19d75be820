package server

import (
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/bronco-ws/bronco/internal/epoll"
)

// loopConn drives a connection from an event loop, over a descriptor taken from its
// net.Conn. Each turn, after the socket became ready or something woke it, it reads what the
// socket has into the loop's shared buffer, lets the process handle it, writes what the
// socket takes, and keeps what is left (an unfinished frame, frames held while inactive,
// output the socket did not take) for the next turn. It never blocks. Between turns an idle
// connection holds no goroutine and no buffer.
type loopConn struct {
	Conn
	lp       *loop
	nc       net.Conn // until attached
	raddr    net.Addr
	fd       int    // -1 before attach and after the end
	carry    []byte // bytes of an unfinished frame, kept between turns
	interest uint32 // epoll events asked for
	timer    *time.Timer
	armed    time.Time // when the timer fires; zero when not armed
	begun    bool
	queued   bool // in the loop's wake list; guarded by the loop's mutex
	fired    atomic.Bool
	killed   atomic.Bool
}

func newLoopConn(lp *loop, nc net.Conn) *loopConn {
	lc := &loopConn{lp: lp, nc: nc, raddr: nc.RemoteAddr(), fd: -1}
	lc.drv = lc
	return lc
}

func (lc *loopConn) remoteAddr() net.Addr { return lc.raddr }

func (lc *loopConn) wake() { lc.lp.wake(lc) }

func (lc *loopConn) abort() {
	lc.killed.Store(true)
	lc.lp.wake(lc)
}

func (lc *loopConn) fire() {
	lc.fired.Store(true)
	lc.lp.wake(lc)
}

// maxReadsPerTurn bounds the reads one connection gets in a turn of the loop.
const maxReadsPerTurn = 8

// turn is one step of the connection: events is the socket's readiness, 0 for a wake-up.
func (lc *loopConn) turn(events uint32) {
	returned := false
	defer func() {
		if returned {
			return
		}
		// A callback ended the goroutine (runtime.Goexit), which the process recorded as a
		// crash; or this package has a bug. Either way the turn is completed here, and the
		// loop goes on in another goroutine (loop.run).
		if v := recover(); v != nil {
			stack := debug.Stack()
			lc.opts.Logger.Error("server: connection failed", "panic", v, "stack", string(stack))
			lc.setReason(ReasonCrash{Value: v, Stack: stack})
			lc.drop()
		}
		lc.endTurn()
	}()
	lc.step(events)
	lc.endTurn()
	returned = true
}

func (lc *loopConn) step(events uint32) {
	c, lp := &lc.Conn, lc.lp
	if !lc.begun {
		lc.begun = true
		if err := lp.register(lc); err != nil {
			c.closed(err)
		}
		c.begin(lp.now)
	}
	c.at(lp.now)
	if lc.killed.Load() {
		c.closed(ErrClosed)
		c.drop()
	}
	if events&epoll.Out != 0 {
		lc.write()
	}
	if lc.fired.Swap(false) {
		lc.armed = time.Time{}
		c.tick(lp.now)
	}
	// Hang-up and error are reported even when not asked for: read to learn which.
	read := events&(epoll.In|epoll.Hup) != 0
	for reads := 1; ; reads++ {
		full := lc.readAndHandle(read && c.reading())
		// A read that filled the buffer likely left more behind: read it now, while this
		// connection's message is still in the cache, rather than after every other
		// connection's turn (which costs a large echo its cache lines and doubles the price
		// of writing it back). Bounded, so that one busy client cannot starve the rest.
		if !full || reads == maxReadsPerTurn || !c.reading() {
			break
		}
	}
}

// readAndHandle reads once into the loop's buffer, after the bytes carried over, when read
// is true, and lets the process handle them. It reports whether the read filled the space.
func (lc *loopConn) readAndHandle(read bool) (full bool) {
	c, lp := &lc.Conn, lc.lp
	if read && len(lc.carry) == 0 {
		if space := c.payloadSpace(); space != nil {
			n, wouldBlock, err := epoll.Read(lc.fd, space)
			switch {
			case n > 0:
				c.payloadRead(n, lp.now)
			case !wouldBlock:
				c.closed(err)
			}
			lc.handle(nil)
			return n == len(space)
		}
	}
	k := copy(lp.rbuf, lc.carry)
	lc.carry = lc.carry[:0]
	n := 0
	if read && k < len(lp.rbuf) {
		var wouldBlock bool
		var err error
		n, wouldBlock, err = epoll.Read(lc.fd, lp.rbuf[k:])
		switch {
		case n > 0:
			c.readAt(lp.now)
		case !wouldBlock:
			defer c.closed(err) // after the bytes that came before it
		}
	}
	lc.handle(lp.rbuf[:k+n])
	return k+n == len(lp.rbuf)
}

// handle runs b through the process, then its mailbox, and keeps what it could not handle.
func (lc *loopConn) handle(b []byte) {
	c := &lc.Conn
	for {
		again := false
		if len(b) > 0 && (c.active || c.closing) && !c.done {
			var n int
			n, again = c.receive(b)
			b = b[n:]
		}
		if c.tail != nil {
			lc.write() // a large reply goes while its memory is valid; the rest is copied
		}
		c.advance()
		if !again && !c.held || len(b) == 0 || c.done || c.blocked() || !c.active && !c.closing {
			break // else: frames after a large reply, or held frames after SetActive(true)
		}
	}
	if len(b) > 0 && !c.done {
		lc.carry = append(lc.carry, b...)
	}
}

// write writes as much of the output as the socket takes.
func (lc *loopConn) write() {
	c := &lc.Conn
	head, tail := c.output()
	if len(head) == 0 && len(tail) == 0 {
		return
	}
	n, err := epoll.Writev(lc.fd, head, tail)
	if err != nil {
		c.failedWrite(err)
		return
	}
	c.wrote(n, lc.lp.now)
}

// endTurn writes, ends a finished connection, and otherwise decides what to wait for.
func (lc *loopConn) endTurn() {
	c := &lc.Conn
	if lc.fd < 0 {
		return
	}
	lc.write()
	if c.done && !c.blocked() {
		lc.end()
		return
	}
	if c.sleepy() {
		c.sleep()
		if len(lc.carry) == 0 {
			lc.carry = nil
		}
	}
	var want uint32
	switch {
	case c.blocked():
		want = epoll.Out
	case c.reading():
		want = epoll.In
	}
	if want != lc.interest {
		if err := lc.lp.pl.Modify(lc.fd, want); err != nil {
			c.closed(err)
			c.drop()
			lc.end()
			return
		}
		lc.interest = want
	}
	lc.arm()
}

// arm makes sure the timer fires no later than the process's deadline. A timer that fires
// early finds nothing due and is armed again, so a busy connection touches its timer about
// once per idle timeout rather than once per message.
func (lc *loopConn) arm() {
	dl := lc.deadline()
	if dl.IsZero() || !lc.armed.IsZero() && !dl.Before(lc.armed) {
		return
	}
	lc.armed = dl
	d := max(time.Until(dl), 0)
	if lc.timer == nil {
		lc.timer = time.AfterFunc(d, lc.fire)
	} else {
		lc.timer.Reset(d)
	}
}

// end terminates the connection and closes its socket; the socket is closed in a deferred
// call so that it is closed even when Terminate exits the goroutine.
func (lc *loopConn) end() {
	defer lc.lp.unregister(lc)
	if lc.timer != nil {
		lc.timer.Stop()
	}
	lc.carry = nil
	lc.finish()
}

// pollable reports whether an event loop can drive nc.
func pollable(nc net.Conn) bool { return epoll.Pollable(nc) }
