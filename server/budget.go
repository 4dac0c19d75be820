package server

import "sync"

// memBudget is the server-wide bound on message memory (Options.MemoryBudget): the bytes
// all connections' engines hold in message buffers. Over it, a connection whose message
// would grow its buffers further waits instead of reading, except one, the exempt, which
// goes on so that its message completes and gives its memory back: the budget slows
// clients down rather than deadlocking them. A connection that holds no large buffer, or is
// between messages, reads as usual: it grows to about keptMessageBuffer before it waits.
// A client that stalls while exempt holds the exemption until its idle or write timeout.
type memBudget struct {
	mu     sync.Mutex
	held   int64   // bytes of message buffers, all connections
	exempt *Conn   // the one connection that may grow over the budget
	parked []*Conn // connections waiting for the budget, to be woken
}

// account brings the server's total in step with c's message memory, after c's engine
// took input or gave buffers back; once the exempt connection's message is over, or the
// total is back under the budget, the waiting connections are woken to try again.
func (c *Conn) account() {
	n := c.eng.MessageMemory()
	if n == c.msgMem || c.opts.MemoryBudget <= 0 {
		return
	}
	b := &c.srv.mem
	b.mu.Lock()
	b.held += int64(n - c.msgMem)
	c.msgMem = n
	if b.exempt == c && !c.eng.InMessage() {
		b.exempt = nil
	}
	var wake []*Conn
	if len(b.parked) > 0 && (b.exempt == nil || b.held <= c.opts.MemoryBudget) {
		wake, b.parked = b.parked, nil
		for _, w := range wake {
			w.waiting = false
		}
	}
	b.mu.Unlock()
	for _, w := range wake {
		w.drv.wake()
	}
}

// overBudget reports whether c must wait before reading more of its message: the server's
// message memory is over the budget, c is growing a message beyond keptMessageBuffer, and
// another connection is the exempt one. c is then woken when it may try again.
func (c *Conn) overBudget() bool {
	limit := c.opts.MemoryBudget
	if limit <= 0 || c.msgMem <= keptMessageBuffer || !c.eng.InMessage() {
		return false
	}
	b := &c.srv.mem
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.held <= limit || b.exempt == c:
		return false
	case b.exempt == nil:
		b.exempt = c
		return false
	}
	if !c.waiting {
		c.waiting = true
		b.parked = append(b.parked, c)
	}
	return true
}

// leaveBudget takes an ending connection out of the budget, and wakes the waiting ones.
func (c *Conn) leaveBudget() {
	if c.opts.MemoryBudget <= 0 {
		return
	}
	b := &c.srv.mem
	b.mu.Lock()
	b.held -= int64(c.msgMem)
	c.msgMem = 0
	if b.exempt == c {
		b.exempt = nil
	}
	wake := b.parked
	b.parked = nil
	for _, w := range wake {
		w.waiting = false
	}
	b.mu.Unlock()
	for _, w := range wake {
		if w != c {
			w.drv.wake()
		}
	}
}

// messageMemory returns the server's message memory now, for Stats.
func (b *memBudget) messageMemory() (held int64, waiting int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.held, len(b.parked)
}
