package server

// loopSleeping reports whether an event loop's connection holds no bytes between turns.
func loopSleeping(c *Conn) bool {
	lc, ok := c.drv.(*loopConn)
	return ok && len(lc.carry) == 0
}
