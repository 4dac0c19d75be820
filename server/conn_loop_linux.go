//go:build linux

package server

import (
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/bronco-ws/bronco/ws/frame"
)

// turn is one step of a connection driven by an event loop, after its socket became ready
// (events) or something woke it (events == 0). It does what one pass of Conn.run does, but
// never blocks: it reads once, runs every complete frame and the mailbox, writes what it can,
// and leaves the rest to the next readiness.
func (c *Conn) turn(events uint32) {
	lp := c.lp
	defer func() {
		if v := recover(); v != nil {
			// A bug in this package, not in the handler: end this connection, not the loop.
			c.setReason(ReasonCrash{Value: v, Stack: debug.Stack()})
			c.done = true
			c.wbuf, c.wo = c.wbuf[:0], 0
			c.finishLoop()
		}
	}()
	if !c.started {
		c.started = true
		if err := lp.register(c); err != nil {
			c.setReason(ReasonError{Err: err})
			c.done = true
		}
		c.lastRead = lp.now
		if wi, ok := c.h.(WebsocketIniter); ok && !c.done {
			c.apply(c.call(func() Result { return wi.WebsocketInit(c) }))
		}
	}
	if c.killed.Load() {
		c.setReason(ReasonError{Err: ErrClosed})
		c.done = true
		c.wbuf, c.wo = c.wbuf[:0], 0
	}
	if events&epollOut != 0 {
		c.writeOut()
	}
	// Hang-up and error are reported even when not asked for: read to learn which.
	hup := events&(syscall.EPOLLHUP|syscall.EPOLLERR) != 0
	read := !c.done && (events&epollIn != 0 && c.reading() || hup)
	if c.timerFired.Swap(false) {
		c.armed = time.Time{}
		c.checkDeadlines()
	}
	for reads := 1; ; reads++ {
		full := read && c.readOnce()
		c.load()
		for !c.done {
			c.process()
			if !c.writeBlocked() {
				c.drain()
			}
			if c.shutdown.Load() && !c.closing && !c.done {
				c.startClose(frame.CloseGoingAway, ReasonShutdown{})
			}
			if !c.held || !c.active {
				break // else: reactivated by an info with frames still held, handle them first
			}
		}
		c.unload()
		// A read that filled its buffer likely left more behind: read it now, while this
		// connection's message is still in the cache, rather than after every other
		// connection's turn (which costs a large echo its cache lines and doubles the price
		// of writing it back). Bounded, so that one busy client cannot starve the rest.
		if !full || reads == maxReadsPerTurn || !c.reading() {
			break
		}
	}
	c.writeOut()
	if c.done && !c.writeBlocked() {
		c.finishLoop()
		return
	}
	if c.hibernate && !c.sleeping && !c.done && !c.writeBlocked() {
		c.sleep()
		if len(c.carry) == 0 {
			c.carry = nil
		}
	}
	var want uint32
	switch {
	case c.writeBlocked():
		want = epollOut
	case c.reading():
		want = epollIn
	}
	lp.interest(c, want)
	if c.done && !c.writeBlocked() {
		c.finishLoop()
		return
	}
	c.arm()
}

// reading reports whether the connection wants the client's bytes now.
func (c *Conn) reading() bool {
	return !c.done && !c.writeBlocked() && (c.active || c.closing) && !c.held
}

func (c *Conn) writeBlocked() bool { return c.wo < len(c.wbuf) }

// maxReadsPerTurn bounds the reads one connection gets in a turn of the loop.
const maxReadsPerTurn = 8

// readOnce reads what the socket has into the loop's buffer, after the bytes carried over
// from the last turn. It reports whether the read filled the space it had.
func (c *Conn) readOnce() (full bool) {
	lp := c.lp
	if space := c.directSpace(); space != nil {
		n, wouldBlock, err := sockRead(c.fd, space)
		switch {
		case n > 0:
			c.lastRead = lp.now
			c.payloadRead(n)
		case !wouldBlock:
			c.readEnded(err)
		}
		return n == len(space)
	}
	k := copy(lp.rbuf, c.carry)
	c.carry = c.carry[:0]
	c.rbuf, c.rbox, c.r, c.w = lp.rbuf, nil, 0, k
	if k == len(lp.rbuf) {
		return true // the carried frames go first
	}
	n, wouldBlock, err := sockRead(c.fd, lp.rbuf[k:])
	switch {
	case n > 0:
		c.w += n
		c.lastRead = lp.now
		c.sleeping = false
	case !wouldBlock:
		c.readEnded(err)
	}
	return c.w == len(lp.rbuf)
}

// readEnded ends the connection whose read found the end of the stream (err nil) or failed.
func (c *Conn) readEnded(err error) {
	if err == nil {
		err = ErrClosed
	}
	c.setReason(ReasonError{Err: err})
	c.done = true
}

// loopWriteThrough sends the pending output and then payload with one writev, keeping a copy
// of what the socket did not take.
func (c *Conn) loopWriteThrough(payload []byte) {
	if c.wo == 0 && c.writeBy.IsZero() {
		n, err := sockWritev(c.fd, c.wbuf, payload)
		if err != nil {
			c.setReason(ReasonError{Err: err})
			c.done = true
			c.wbuf, c.wo = c.wbuf[:0], 0
			return
		}
		if n >= len(c.wbuf) {
			payload = payload[n-len(c.wbuf):]
			c.wbuf = c.wbuf[:0]
		} else {
			c.wo = n
		}
	}
	c.wbuf = append(c.wbuf, payload...)
}

// load puts the carried-over bytes into the loop's buffer when readOnce did not.
func (c *Conn) load() {
	if c.rbuf == nil && len(c.carry) > 0 {
		c.rbuf, c.rbox, c.r = c.lp.rbuf, nil, 0
		c.w = copy(c.rbuf, c.carry)
		c.carry = c.carry[:0]
	}
}

// unload keeps what is left of the loop's buffer (a partial header or control frame, or
// frames held while inactive) for the next turn: the buffer belongs to the next connection.
func (c *Conn) unload() {
	if c.rbuf == nil {
		return
	}
	if c.r < c.w {
		c.carry = append(c.carry[:0], c.rbuf[c.r:c.w]...)
	}
	c.rbuf, c.r, c.w = nil, 0, 0
}

// writeOut writes as much of the pending output as the socket takes.
func (c *Conn) writeOut() {
	if len(c.wbuf) == 0 {
		return
	}
	n, err := sockWrite(c.fd, c.wbuf[c.wo:])
	c.wo += n
	if err != nil {
		c.setReason(ReasonError{Err: err})
		c.done = true
		c.wbuf, c.wo = c.wbuf[:0], 0
	}
	if c.wo < len(c.wbuf) {
		if c.writeBy.IsZero() && c.opts.WriteTimeout > 0 {
			c.writeBy = c.lp.now.Add(c.opts.WriteTimeout)
		}
		return
	}
	// Everything is sent: the buffer goes back, as in Conn.flush.
	c.srv.putBuf(c.wbox, c.wbuf)
	c.wbox, c.wbuf, c.wo = nil, nil, 0
	c.writeBy = time.Time{}
}

// deadline returns when the connection must next be looked at, or zero.
func (c *Conn) deadline() time.Time {
	var dl time.Time
	switch {
	case c.closing || c.done:
		dl = c.closeBy
	case c.idle > 0 && c.active:
		dl = c.lastRead.Add(c.idle)
	}
	if !c.writeBy.IsZero() && (dl.IsZero() || c.writeBy.Before(dl)) {
		dl = c.writeBy
	}
	return dl
}

// checkDeadlines ends or closes the connection whose time is up, as readSocket does when its
// read deadline passes.
func (c *Conn) checkDeadlines() {
	now := time.Now()
	switch {
	case c.writeBlocked() && !c.writeBy.IsZero() && !now.Before(c.writeBy):
		c.setReason(ReasonError{Err: os.ErrDeadlineExceeded})
		c.done = true
		c.wbuf, c.wo = c.wbuf[:0], 0
	case c.closing && !now.Before(c.closeBy):
		c.done = true
	case !c.closing && c.active && c.idle > 0 && now.Sub(c.lastRead) >= c.idle:
		c.startClose(frame.CloseNormal, ReasonTimeout{})
	}
}

// arm makes sure the timer fires no later than the deadline. A timer that fires early finds
// nothing due and is armed again, so a busy connection touches its timer about once per
// idle timeout rather than once per message.
func (c *Conn) arm() {
	dl := c.deadline()
	if dl.IsZero() || !c.armed.IsZero() && !dl.Before(c.armed) {
		return
	}
	c.armed = dl
	d := max(dl.Sub(time.Now()), 0)
	if c.timer == nil {
		c.timer = time.AfterFunc(d, c.fire)
	} else {
		c.timer.Reset(d)
	}
}

func (c *Conn) fire() {
	c.timerFired.Store(true)
	c.lp.wake(c)
}

// finishLoop calls terminate and gives everything back, as finish does for a goroutine.
func (c *Conn) finishLoop() {
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mb.close()
	c.setReason(ReasonError{Err: ErrClosed})
	c.terminate()
	c.lp.unregister(c)
	c.srv.putBuf(c.wbox, c.wbuf)
	c.wbuf, c.wbox, c.carry = nil, nil, nil
	c.srv.remove(c)
}
