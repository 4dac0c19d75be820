package server

// Stats are a Server's counters, for monitoring: how many connections it holds and how many
// it turned away or cut off to protect itself.
type Stats struct {
	// Connections is the number of upgraded connections open now.
	Connections int64
	// Buffered is the number of bytes of output that sockets did not take, across all
	// connections: what clients that do not read make the server hold (the backpressure
	// Options.MaxBackpressure bounds per connection). A goroutine driver's write blocks
	// until the socket takes everything, so its output is counted only once a write has
	// timed out or been probed (BackpressureClose); an event loop's is counted always.
	Buffered int64
	// MessageMemory is the bytes all connections hold in message buffers, which
	// Options.MemoryBudget bounds; Waiting is the number of connections that wait for it
	// to come back under the budget. Both are counted only while a budget is set (the
	// default), and are 0 with a negative MemoryBudget.
	MessageMemory int64
	Waiting       int
	// RefusedBusy counts the upgrades refused with 503 because Options.MaxConnections
	// connections were open.
	RefusedBusy uint64
	// ClosedBackpressure counts the connections closed by BackpressureClose because their
	// client did not read.
	ClosedBackpressure uint64
	// DroppedInfos counts the infos refused with ErrMailboxFull: under BackpressureWait a
	// connection whose client does not read takes no infos, so a broadcast to it is dropped
	// here once its mailbox is full, instead of queueing for it without bound.
	DroppedInfos uint64
	// DroppedFrames counts the frames BackpressureDrop left out because more than
	// Options.MaxBackpressure bytes waited for their connection's client.
	DroppedFrames uint64
}

// Stats returns the server's counters now; any goroutine may call it.
func (s *Server) Stats() Stats {
	held, waiting := s.mem.messageMemory()
	return Stats{
		MessageMemory:      held,
		Waiting:            waiting,
		Connections:        s.live.Load(),
		Buffered:           s.buffered.Load(),
		RefusedBusy:        s.refusedBusy.Load(),
		ClosedBackpressure: s.closedBackpressure.Load(),
		DroppedInfos:       s.droppedInfos.Load(),
		DroppedFrames:      s.droppedFrames.Load(),
	}
}
