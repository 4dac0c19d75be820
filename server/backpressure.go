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

// sendBounded sends a frame of a callback's result and holds the policy to its bound while
// the callback's frames are made, not only after they are all made: once a queued frame
// takes the output over MaxBackpressure, the driver writes what the socket takes now; then
// wrote closes the connection (Close) if more than the bound is left, or send leaves the
// next frames out (Drop). A long reply list to a client that does not read then costs the
// bound and one frame, not the whole list. Under Wait it only sends.
func (c *Conn) sendBounded(f Frame) {
	if c.policy() == BackpressureWait {
		c.send(f)
		return
	}
	before := c.buffered()
	c.send(f)
	if c.buffered() > before && !c.done && c.overBound() {
		c.drv.drain()
	}
}
