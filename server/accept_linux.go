package server

import (
	"net"
	"os"
	"syscall"

	"github.com/bronco-ws/bronco/internal/epoll"
)

// acceptor takes the connections waiting on a TCP or Unix listener straight onto the event
// loops (accept4, one system call each), where net's Accept would register each with the
// runtime's poller, set five socket options, ask for its local address, and leave the loop
// to take the descriptor back from it. Serve still waits in net's Accept, so that closing
// the listener ends Serve as before; the acceptor takes what came meanwhile.
type acceptor struct {
	rc   syscall.RawConn
	unix bool
}

// newAcceptor returns the acceptor of l, or nil when l is neither TCP nor Unix.
func newAcceptor(l net.Listener) *acceptor {
	rc, ok := epoll.Listener(l)
	if !ok {
		return nil
	}
	_, unix := l.(*net.UnixListener)
	return &acceptor{rc: rc, unix: unix}
}

// maxDrain bounds the connections one drain takes, so that Serve goes back to Accept (and
// its error handling) now and then under a flood.
const maxDrain = 64

// drain hands the connections waiting on the listener to the event loops, until none waits
// or the loops are not in use.
func (a *acceptor) drain(s *Server) {
	if a == nil || s.opts.Load().EventLoops <= 0 {
		return
	}
	// Control holds the listener's descriptor open for the call: Close cannot free its
	// number for reuse under accept4.
	a.rc.Control(func(lfd uintptr) {
		for range maxDrain {
			opts := s.opts.Load()
			lp := s.loopFor(opts, true)
			if lp == nil {
				return
			}
			fd, addr, err := epoll.Accept(int(lfd))
			if err != nil {
				return // none waits, or an error that the next Accept reports and waits out
			}
			if !a.unix {
				epoll.SetNoDelay(fd)
			}
			if err := s.admit(opts); err != nil {
				go func() {
					if nc := fileConn(fd); nc != nil {
						s.refuseBusy(nc, err)
					}
				}()
				continue
			}
			lc := &loopConn{lp: lp, fd: -1, slot: -1, raddr: addr, unix: a.unix}
			lc.drv = lc
			lp.adopt(lc, fd, opts)
		}
	})
}

// upgradeOnLoop hands a connection that net accepted to an event loop, which reads its
// upgrade request, and reports whether it did; else the connection is the caller's.
func (s *Server) upgradeOnLoop(nc net.Conn) bool {
	opts := s.opts.Load()
	lp := s.loopFor(opts, pollable(nc))
	if lp == nil {
		return false
	}
	lc := newLoopConn(lp, nc)
	fd, err := epoll.Detach(nc)
	if err != nil {
		// Out of descriptors for the duplicate: a goroutine reads the request instead,
		// needing none, and the loop has another try once it is read.
		return false
	}
	lp.adopt(lc, fd, opts)
	return true
}

// fileConn makes a net.Conn of a socket the loop took, to answer a refusal on it; nil when
// the net package cannot have it (the descriptor is closed then). A refusal is rare, so the
// net package's full setup of the connection costs nothing that matters here.
func fileConn(fd int) net.Conn {
	f := os.NewFile(uintptr(fd), "")
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil
	}
	return nc
}
