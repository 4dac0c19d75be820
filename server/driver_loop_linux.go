package server

import (
	"net"
	"net/netip"
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
	lp      *loop
	raddr   netip.AddrPort // the client's, kept inline: a *net.TCPAddr costs 80 bytes of heap
	carry   []byte         // bytes of an unfinished frame, kept between turns
	timerAt instant        // when the loop's timers look at it next
	// A connection whose turns keep spending their whole budget (a client that sends
	// deflate bombs, or floods) is heavy: it sits out as long as its last turn took (counted
	// from the start of the loop's round, so never less) before the next (resumeAt), so that
	// it has at most half of its loop's time however costly its messages are.
	resumeAt  instant
	fd        int32  // -1 before attach and after the end
	slot      int32  // its place in the loop's timer heap; -1: none
	interest  uint32 // epoll events asked for
	begun     bool
	upgrading bool        // its upgrade request is being read (lc.upgrade); resumeAt is its deadline
	heavy     bool        // its turns spend their whole budget: they are timed and paced
	fired     bool        // its deadline came
	queued    bool        // in the loop's wake list; guarded by the loop's mutex
	unix      bool        // a Unix socket: raddr is unused
	killed    atomic.Bool // Shutdown's context ended
}

func newLoopConn(lp *loop, nc net.Conn) *loopConn {
	lc := &loopConn{lp: lp, fd: -1, slot: -1}
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		lc.raddr = a.AddrPort()
	} else {
		lc.unix = true
	}
	lc.drv = lc
	return lc
}

// remoteAddr makes the client's address from what the connection keeps: its TCP address, or
// for a Unix socket the peer's name, asked of the socket (it is rarely wanted, and a name
// may be long).
func (lc *loopConn) remoteAddr() net.Addr {
	if lc.unix {
		name := ""
		if lc.fd >= 0 {
			name = epoll.UnixPeer(int(lc.fd))
		}
		return &net.UnixAddr{Name: name, Net: "unix"}
	}
	return net.TCPAddrFromAddrPort(lc.raddr)
}

func (lc *loopConn) wake() { lc.lp.wake(lc) }

func (lc *loopConn) abort() {
	lc.killed.Store(true)
	lc.lp.wake(lc)
}

// maxReadsPerTurn bounds the reads one connection gets in a turn of the loop, and
// turnBudget the message bytes it handles (Conn.startTurn): together they bound the work one
// client can make its loop do before the others get their turns.
const (
	maxReadsPerTurn = 8
	turnBudget      = 256 << 10
)

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
		if lc.upgrading {
			lc.upgradeUnwound(recover())
			return
		}
		lc.unwound(recover())
		if b := lc.lp.inflight; b != nil {
			// What receive had not consumed when the callback exited is kept.
			lc.carry = append(lc.carry, b[lc.parsed:]...)
			lc.lp.inflight, lc.parsed = nil, 0
		}
		lc.endTurn()
	}()
	if lc.upgrading && !lc.upgrade(events) {
		returned = true
		return
	}
	lc.step(events)
	lc.endTurn()
	returned = true
}

func (lc *loopConn) step(events uint32) {
	c, lp := &lc.Conn, lc.lp
	if !lc.begun {
		lc.begun = true
		if lc.interest == 0 { // else registered while its upgrade request was read
			if err := lp.register(lc); err != nil {
				c.closed(err)
			}
		}
		c.begin(lp.now)
	}
	c.at(lp.now)
	c.startTurn(turnBudget)
	resuming := lc.resumeAt != 0 && c.now >= lc.resumeAt
	if resuming {
		lc.resumeAt = 0
	}
	if lc.killed.Load() {
		c.closed(ErrClosed)
		c.drop()
	}
	if events&epoll.Out != 0 {
		lc.write()
	}
	if lc.fired {
		lc.fired = false
		c.tick(lp.now)
	}
	// Hang-up and error are reported even when not asked for: read to learn which. (A
	// connection that does not read is out of the epoll set, so it is not told.)
	read := events&(epoll.In|epoll.Hup) != 0 || resuming
	for reads := 1; ; reads++ {
		full := lc.readAndHandle(read && c.reading())
		// A read that filled the buffer likely left more behind: read it now, while this
		// connection's message is still in the cache, rather than after every other
		// connection's turn (which costs a large echo its cache lines and doubles the price
		// of writing it back). Bounded, so that one busy client cannot starve the rest.
		if !full || reads == maxReadsPerTurn || !c.reading() || c.exhausted() {
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
			n, wouldBlock, err := epoll.Read(int(lc.fd), space)
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
		n, wouldBlock, err = epoll.Read(int(lc.fd), lp.rbuf[k:])
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
			lc.lp.inflight = b
			n, again = c.receive(b)
			lc.lp.inflight = nil
			b = b[n:]
		}
		if c.tailPending() {
			lc.write() // a large reply goes while its memory is valid; the rest is copied
		}
		c.advance()
		if !again && !c.held || len(b) == 0 || c.done || c.blocked() || !c.active && !c.closing || c.exhausted() {
			break // else: frames after a large reply, or held frames after SetActive(true)
		}
	}
	if len(b) > 0 && !c.done {
		lc.carry = append(lc.carry, b...)
	}
}

func (lc *loopConn) drain() { lc.write() }

// write writes as much of the output as the socket takes.
func (lc *loopConn) write() {
	c := &lc.Conn
	head, tail := c.output()
	if len(head) == 0 && len(tail) == 0 {
		return
	}
	n, err := epoll.Writev(int(lc.fd), head, tail)
	if err != nil {
		c.failedWrite(err)
		return
	}
	c.wrote(n)
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
	lc.pace()
	var want uint32
	switch {
	case c.blocked():
		want = epoll.Out
	case lc.resumeAt != 0:
		// Sitting out: the timer brings it back.
	case c.reading():
		want = epoll.In
	}
	if want != lc.interest {
		if err := lc.lp.watch(lc, want); err != nil {
			c.closed(err)
			c.drop()
			lc.end()
			return
		}
	}
	lc.lp.arm(lc)
}

// pace decides when a connection whose turn spent its whole budget has its next turn: at
// once, after the others, the first time; after as long as the turn took, while it goes on.
func (lc *loopConn) pace() {
	c := &lc.Conn
	if !c.exhausted() {
		lc.heavy = false
		return
	}
	if !lc.heavy {
		lc.heavy = true
		if len(lc.carry) > 0 && c.reading() {
			lc.lp.wake(lc) // frames wait that this turn had no budget for
		}
		return
	}
	now, start := instantOf(time.Now()), instantOf(lc.lp.now)
	lc.resumeAt = now + (now - start)
}

// end terminates the connection and closes its socket; the socket is closed in a deferred
// call so that it is closed even when Terminate exits the goroutine.
func (lc *loopConn) end() {
	defer lc.lp.unregister(lc)
	lc.carry = nil
	lc.finish()
}

// pollable reports whether an event loop can drive nc.
func pollable(nc net.Conn) bool { return epoll.Pollable(nc) }
