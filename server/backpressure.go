package server

// policy returns the backpressure policy in force: Options.OnBackpressure where the driver
// learns what the socket took without blocking (probed), BackpressureWait elsewhere.
func (c *Conn) policy() BackpressurePolicy {
	if !c.probed {
		return BackpressureWait
	}
	return c.opts.OnBackpressure
}

// overBound reports whether more than Options.MaxBackpressure bytes wait for the socket.
func (c *Conn) overBound() bool { return c.buffered() > c.opts.MaxBackpressure }

// bound holds the policy to its bound while a callback's frames are made, not only after
// they are all made: once more than MaxBackpressure bytes wait, the driver writes what the
// socket takes now; then wrote closes the connection (Close) if more than the bound is
// left, or send leaves the next frames out (Drop). A long reply list to a client that does
// not read then costs the bound and one frame, not the whole list.
func (c *Conn) bound() {
	if c.policy() != BackpressureWait && !c.done && c.overBound() {
		c.drv.drain()
	}
}

// sendBounded sends a frame of a callback's result, then holds the bound if it queued
// anything: a frame Drop left out makes the driver try the socket no more.
func (c *Conn) sendBounded(f Frame) {
	before := c.buffered()
	c.send(f)
	if c.buffered() > before {
		c.bound()
	}
}
