package server

import "net"

// driver is the shell that moves a connection's bytes: it owns the socket, reads into the
// process, writes its output, waits for its deadlines and calls finish at the end. There
// are two, chosen once per connection by Server.drive and visible in the type: goConn (a
// goroutine over a net.Conn, driver_goroutine.go) and loopConn (an event loop over a
// descriptor, driver_loop_linux.go). The Cowboy rules are in process.go, not here.
type driver interface {
	// wake asks for the connection to look at its mailbox and shutdown flag soon; any
	// goroutine may call it.
	wake()
	// abort closes the socket at once, for a Shutdown whose context ended; any goroutine
	// may call it.
	abort()
	// remoteAddr is the client's address.
	remoteAddr() net.Addr
	// drain writes as much of the output as the socket takes now, without waiting for
	// it to take more, and reports it to the process (wrote): BackpressureClose's check in
	// the middle of a callback's frames. The connection's own goroutine calls it.
	drain()
}
