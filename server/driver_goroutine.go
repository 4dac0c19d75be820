package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// goConn drives a connection with a goroutine of its own over any net.Conn: it reads
// whatever the socket has into a buffer whose size follows the traffic, lets the process
// handle it, and writes the output with one write (or one writev for a large reply) before
// it reads again. Infos wake it by moving the read deadline to the past, and the idle
// timeout is the same read deadline, so no second goroutine or timer waits beside it.
// Callbacks may block, as in a Cowboy process.
type goConn struct {
	Conn
	nc     net.Conn
	wakeCh chan struct{} // wakes a connection that is not reading (inactive)
	woken  atomic.Bool
	timer  *time.Timer // deadlines while inactive

	rbuf     []byte
	rbox     *bufBox // the pool's holder of rbuf, nil while sleeping
	r, w     int     // rbuf[r:w] holds bytes read but not yet handled
	size     int     // the read buffer's size for the next read: Cowboy's dynamic_buffer
	avg      int     // moving average of the bytes per read
	small    [64]byte
	armed    time.Time   // the read deadline last set
	wdl      time.Time   // the write deadline last set
	pair     [2][]byte   // head and tail, for one writev
	iov      net.Buffers // pair as WriteTo takes it, which consumes the slice itself
	begun    bool
	sleeping bool          // the read buffer is given back
	skipped  int           // reads skipped in a row because infos were waiting
	retry    time.Duration // BackpressureDrop: the wait before output is tried again
}

func newGoConn(nc net.Conn) *goConn {
	g := &goConn{nc: nc, wakeCh: make(chan struct{}, 1), sleeping: true}
	g.drv = g
	return g
}

func (g *goConn) remoteAddr() net.Addr { return g.nc.RemoteAddr() }

func (g *goConn) wake() {
	g.woken.Store(true)
	g.nc.SetReadDeadline(aLongTimeAgo)
	select {
	case g.wakeCh <- struct{}{}:
	default:
	}
}

var aLongTimeAgo = time.Unix(1, 0)

// abort closes the socket from Shutdown's goroutine. An HTTP/2 stream is reset instead: its
// ResponseWriter must outlive the driver's last write, so only the driver closes it.
func (g *goConn) abort() {
	if a, ok := g.nc.(interface{ Abort() }); ok {
		a.Abort()
		return
	}
	g.nc.Close()
}

// run is the connection's goroutine. A callback that ends it with runtime.Goexit has been
// handled as a crash by the process (call); the connection goes on in a new goroutine, which
// sends the 1011, waits for the client's close and terminates.
func (g *goConn) run() {
	returned := false
	defer func() {
		if returned {
			return
		}
		g.unwound(recover())
		if g.r += int(g.parsed); g.r >= g.w {
			g.r, g.w = 0, 0 // the bytes that receive had consumed before the callback exited
		}
		g.parsed = 0
		go g.run()
	}()
	g.loop()
	returned = true
}

func (g *goConn) loop() {
	c := &g.Conn
	if !g.begun {
		g.begun = true
		c.begin(time.Now())
	}
	for !c.done {
		again := false
		if g.r < g.w && (c.active || c.closing) {
			var n int
			n, again = c.receive(g.rbuf[g.r:g.w])
			if g.r += n; g.r == g.w {
				g.r, g.w = 0, 0
			}
		}
		c.advance()
		g.flush()
		if c.done {
			break
		}
		if (again || c.held) && g.r < g.w && (c.active || c.closing) {
			continue // frames after a large reply, or held frames after SetActive(true)
		}
		if c.sleepy() && !g.sleeping {
			g.sleep()
		}
		if !c.reading() {
			g.waitWake()
			c.at(time.Now())
			continue
		}
		g.read()
	}
	g.flush() // the answer to a client's close, a close that came with EOF
	g.end()
}

// end terminates the connection and closes its socket; its cleanup is deferred so that it
// runs even when Terminate exits the goroutine.
func (g *goConn) end() {
	defer g.giveBack()
	defer g.nc.Close()
	if g.timer != nil {
		g.timer.Stop()
	}
	g.finish()
}

func (g *goConn) giveBack() {
	g.srv.bufs.put(g.rbox, g.rbuf)
	g.rbuf, g.rbox, g.r, g.w = nil, nil, 0, 0
}

// read blocks until the socket has bytes, an info arrives, or a deadline passes.
func (g *goConn) read() {
	c := &g.Conn
	dl := c.deadline()
	// Re-arm after a wake-up too: the waker moved the deadline to the past.
	if g.woken.Swap(false) || !dl.Equal(g.armed) {
		g.nc.SetReadDeadline(dl)
		g.armed = dl
	}
	// A wake-up (info or shutdown) before this point is seen here; one after it moves the
	// deadline set above to the past, so the Read below returns at once. None is lost.
	if !c.closing && (c.shutdown.Load() || !c.mb.empty()) {
		if g.skipped < maxSkippedReads || c.shutdown.Load() {
			g.skipped++
			c.at(time.Now())
			return
		}
		// Infos keep coming (a handler that sends itself the next one, say): look at the
		// socket now and then anyway, without waiting for it, so that the client's frames,
		// its close among them, are not starved.
		g.nc.SetReadDeadline(time.Now().Add(pollWindow))
		g.armed = time.Time{}
	}
	g.skipped = 0
	var n int
	var err error
	if space := g.directSpace(); space != nil {
		if n, err = g.nc.Read(space); n > 0 {
			c.payloadRead(n, time.Now())
		}
	} else if g.sleeping {
		if n, err = g.nc.Read(g.small[:]); n > 0 {
			g.grab()
			g.w = copy(g.rbuf, g.small[:n])
		}
	} else {
		g.grab()
		if g.w == len(g.rbuf) && g.r > 0 {
			g.w = copy(g.rbuf, g.rbuf[g.r:g.w])
			g.r = 0
		}
		space := len(g.rbuf) - g.w
		n, err = g.nc.Read(g.rbuf[g.w:])
		g.w += n
		g.resize(n, space)
	}
	if n > 0 {
		c.readAt(time.Now())
	}
	switch {
	case err == nil:
	case errors.Is(err, os.ErrDeadlineExceeded):
		g.armed = time.Time{} // unknown now: a waker may have moved it
		c.tick(time.Now())    // also the time for the infos that may have woken it
	default:
		if g.r < g.w && (c.active || c.closing) {
			n, _ := c.receive(g.rbuf[g.r:g.w]) // bytes that came with the error still count
			g.r += n
		}
		switch {
		case errors.Is(err, io.EOF):
			err = nil // {error, closed}
		case isStreamReset(err):
			err = fmt.Errorf("%w: %w", ErrClosed, err) // RST_STREAM: {error, closed} too
		}
		c.closed(err)
	}
}

// A connection whose mailbox is never empty reads the socket once every maxSkippedReads
// rounds of infos, waiting at most pollWindow for it.
const (
	maxSkippedReads = 8
	pollWindow      = 50 * time.Microsecond
)

// waitWake waits for an info, a shutdown, a deadline or the time to try left output again
// (BackpressureDrop) while the connection does not read.
func (g *goConn) waitWake() {
	c := &g.Conn
	dl := c.deadline()
	if c.blocked() && c.policy() == BackpressureDrop {
		if r := g.retryAt(time.Now()); dl.IsZero() || r.Before(dl) {
			dl = r
		}
	}
	if dl.IsZero() {
		<-g.wakeCh
		return
	}
	d := time.Until(dl)
	if d <= 0 {
		c.tick(time.Now())
		return
	}
	if g.timer == nil {
		g.timer = time.NewTimer(d)
	} else {
		g.timer.Reset(d)
	}
	select {
	case <-g.wakeCh:
		g.timer.Stop()
	case now := <-g.timer.C:
		c.tick(now)
	}
}

// directSpace returns where the next read goes when it can skip the read buffer.
func (g *goConn) directSpace() []byte {
	if g.sleeping || g.r != g.w {
		return nil
	}
	return g.payloadSpace()
}

// Cowboy's dynamic_buffer: a read that fills the buffer doubles it for the next one, up to
// Options.ReadBufferSize; reads that use less than an eighth of it, on average, halve it,
// down to minReadBuffer. A connection carrying small messages holds 1 KiB, not 16, and one
// whose reads vary stays where it is rather than growing and shrinking by turns.
const minReadBuffer = 1 << 10

func (g *goConn) resize(n, space int) {
	g.avg = (7*g.avg + n) / 8
	switch {
	case n == space && g.size < g.opts.ReadBufferSize:
		g.size = min(2*g.size, g.opts.ReadBufferSize)
	case 8*g.avg < g.size && g.size > minReadBuffer:
		g.size /= 2
	}
}

// grab makes sure there is a read buffer of the wanted size, with the unread bytes at its
// front.
func (g *goConn) grab() {
	if g.size == 0 {
		g.size = min(minReadBuffer, g.opts.ReadBufferSize)
	}
	if g.rbuf != nil && (class(g.size) == class(len(g.rbuf)) || g.w-g.r > g.size) {
		return // the right size already, or holding more than the new size takes
	}
	box := g.srv.bufs.get(g.size)
	w := copy(box.b, g.rbuf[g.r:g.w])
	g.srv.bufs.put(g.rbox, g.rbuf)
	g.rbox, g.rbuf, g.r, g.w = box, box.b, 0, w
	g.sleeping = false
}

// sleep gives back the read buffer and the process's buffers (Cowboy's hibernate).
func (g *goConn) sleep() {
	if g.r != g.w {
		return // a partial frame is waiting for its end
	}
	g.giveBack()
	g.Conn.sleep()
	g.sleeping = true
}

// flush writes the process's output: one write, or one writev with a large reply. Under
// BackpressureClose, output over the bound is first written with a deadline that has
// almost passed, which learns what the socket takes now: the process closes the connection
// if more than the bound is left, and otherwise the rest is written as usual. Under
// BackpressureDrop every write is such a probe, so that the goroutine never blocks in a
// write and goes on taking infos; what is left is tried again (waitWake).
func (g *goConn) flush() {
	c := &g.Conn
	switch policy := c.policy(); {
	case policy == BackpressureDrop:
		before := c.buffered()
		g.write(time.Now().Add(probeWindow), true)
		if c.buffered() < before {
			g.retry = 0 // progress: the next try comes soon
		}
		return
	case policy == BackpressureClose && c.overBound():
		if !g.write(time.Now().Add(probeWindow), true) || c.done {
			return
		}
	}
	dl := time.Time{}
	if c.opts.WriteTimeout > 0 {
		dl = time.Now().Add(c.opts.WriteTimeout)
	}
	g.write(dl, false)
}

// retryAt returns when output left by a BackpressureDrop probe is tried again: after
// minRetry, doubling up to maxRetry while the socket takes nothing, so that a client that
// reads slowly is served as it reads and one that does not costs a few wake-ups a second.
func (g *goConn) retryAt(now time.Time) time.Time {
	g.retry = min(max(2*g.retry, minRetry), maxRetry)
	return now.Add(g.retry)
}

const (
	minRetry = time.Millisecond
	maxRetry = 64 * time.Millisecond
)

// probeable reports whether a write deadline on nc can interrupt a write and leave the
// connection usable: true of sockets, false of TLS (whose state a timed-out write
// corrupts) and of an HTTP/2 stream (whose write deadline resets it).
func probeable(nc net.Conn) bool {
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

func (g *goConn) drain() { g.write(time.Now().Add(probeWindow), true) }

// probeWindow is how long a probing write waits for the socket to take more.
const probeWindow = time.Millisecond

// write writes the output until dl; a probing write's deadline is not an error. It reports
// whether the connection can go on writing.
func (g *goConn) write(dl time.Time, probing bool) bool {
	c := &g.Conn
	head, tail := c.output()
	if len(head) == 0 && len(tail) == 0 {
		return true
	}
	if !dl.Equal(g.wdl) {
		g.nc.SetWriteDeadline(dl)
		g.wdl = dl
	}
	var n int64
	var err error
	if tail == nil {
		var k int
		k, err = g.nc.Write(head)
		n = int64(k)
	} else {
		// WriteTo advances iov past what it wrote, so that appending to it again would
		// allocate a new array for every write: it is made again from the same pair.
		g.pair = [2][]byte{head, tail}
		g.iov = g.pair[:]
		n, err = g.iov.WriteTo(g.nc)
		g.pair = [2][]byte{} // no payload kept past its write
	}
	if err != nil && !(probing && errors.Is(err, os.ErrDeadlineExceeded)) {
		c.failedWrite(err)
		return false
	}
	c.wrote(int(n))
	return true
}
