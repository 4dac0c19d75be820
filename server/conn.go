package server

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"github.com/bronco-ws/bronco/ws"
)

// Conn is one upgraded connection: Cowboy's WebSocket process. Its state machine (process.go)
// is fed bytes, infos and the time by a driver, a thin shell that owns the socket (a goroutine
// over a net.Conn, or an event loop over a descriptor); the rules live here once, whatever
// the driver.
//
// Its exported methods are the commands Cowboy handlers return (active, deflate, set_options,
// shutdown_reason) plus Self and Context; call them only from the connection's own callbacks.
// The one exception is Self's Pid, which any goroutine may use.
type Conn struct {
	srv      *Server
	opts     *Options // the server's options when the connection started; never changed
	drv      driver
	h        Handler
	eng      ws.Engine
	mb       mailbox
	protocol string
	ctx      *connContext // made by the first call of Context

	// obox holds the output while there is any (output0), nil otherwise.
	obox *bufBox
	// msgMem is what this connection adds to the server's message memory (memBudget).
	msgMem int

	idle     time.Duration
	now      instant // the time of the input being handled, given by the driver
	lastRead instant
	closeBy  instant // when waiting for the client's close frame stops
	writeBy  instant // when output that the socket does not take fails the connection; 0: none

	reason Reason

	// turnLeft is how many message bytes this turn of the driver may still handle, when
	// budgeted (startTurn).
	turnLeft int32
	// parsed counts the bytes receive has consumed so far, for a driver whose goroutine a
	// callback ended (runtime.Goexit) in the middle of a receive; they are a read buffer's
	// (Options.ReadBufferSize) and the frame carried over, far below 2 GiB.
	parsed    int32
	shutdown  atomic.Bool // Server.Shutdown asked for a close
	active    bool
	compress  bool
	deflated  bool       // permessage-deflate was negotiated
	probed    bool       // the driver's writes report what the socket took without blocking for the rest
	hibernate bool       // the last callback asked to hibernate
	held      bool       // frames wait in the read buffer because the connection is inactive
	closing   bool       // our close frame is queued; waiting for the client's
	done      bool       // nothing more is read; the driver sends what is queued and ends
	ended     bool       // terminate has run
	budgeted  bool       // the driver bounds the work of a turn (turnLeft)
	waiting   bool       // in the memory budget's parked list; guarded by its lock
	outSize   outputSize // how large a buffer the next output starts from
}

// Self returns the connection's Pid, for use by any goroutine.
func (c *Conn) Self() Pid { return Pid{&c.mb} }

// Protocol returns the subprotocol selected in InitFunc, or "".
func (c *Conn) Protocol() string { return c.protocol }

// RemoteAddr returns the client's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.drv.remoteAddr() }

// SetActive stops (false) or resumes (true) reading from the socket: Cowboy's
// {active, false} flow-control command. While inactive the connection still receives infos;
// frames already read wait until it is active again. The idle timeout keeps running, as in
// Cowboy: a connection that stays inactive for the idle timeout is closed with
// ReasonTimeout; turn it off with SetIdleTimeout(0) first if that is not wanted.
func (c *Conn) SetActive(active bool) { c.active = active }

// SetDeflate turns compression of the messages sent from now on off or on (Cowboy's
// {deflate, false}); it has an effect only when permessage-deflate was negotiated.
func (c *Conn) SetDeflate(on bool) { c.compress = on && c.deflated }

// SetIdleTimeout changes the idle timeout of this connection and restarts its count (Cowboy's
// {set_options, #{idle_timeout => T}}); d <= 0 disables it.
func (c *Conn) SetIdleTimeout(d time.Duration) {
	c.idle = max(d, 0)
	c.lastRead = c.now
}

// SetMaxFrameSize changes the largest frame and message this connection accepts, as in
// Options (Cowboy's {set_options, #{max_frame_size => N}}).
func (c *Conn) SetMaxFrameSize(maxFrame, maxMessage int64) { c.eng.SetLimits(maxFrame, maxMessage) }

// SetShutdownReason sets the cause with which the connection's Context is cancelled when it
// ends normally (Cowboy's {shutdown_reason, Reason}: the process exits with
// {shutdown, Reason} instead of normal). A connection that crashes keeps its crash as the
// cause whatever was set.
func (c *Conn) SetShutdownReason(err error) {
	c.Context() // the reason is seen only through the Context, which keeps it
	c.ctx.reason = err
}

// Context returns a context that is cancelled when the connection ends, after Terminate, so
// that goroutines working for the connection can stop with it. context.Cause gives why: the
// error set with SetShutdownReason, a *CrashError after a crash, else ErrConnEnded.
func (c *Conn) Context() context.Context {
	if c.ctx == nil {
		c.ctx = newConnContext()
		if c.ended {
			c.ctx.cancel(c.cause())
		}
	}
	return c.ctx.ctx
}
