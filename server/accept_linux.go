package server

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/bronco-ws/bronco/internal/epoll"
)

// acceptor serves a TCP or Unix listener from the event loops: each loop watches the
// listening socket and takes the connections it is woken for with accept4, one system call
// each, onto itself, where net's Accept would register each with the runtime's poller, set
// five socket options, ask for its local address, and leave the loop to take the descriptor
// back from it, and where a goroutine would be woken per connection. Serve's goroutine only
// waits out accept errors and notices when the listener is closed.
type acceptor struct {
	srv   *Server
	l     net.Listener
	rc    syscall.RawConn
	lfd   int // the listener's descriptor, while it is open
	unix  bool
	loops []*loop

	// failed carries the loops that met an accept error (out of descriptors, say) and
	// stopped watching the listener, for Serve to watch it again after a pause.
	failed chan acceptFailure
}

type acceptFailure struct {
	lp  *loop
	err error
}

// newAcceptor returns the acceptor of l when the options ask for event loops and l is a TCP
// or Unix listener, else nil.
func (s *Server) newAcceptor(l net.Listener) *acceptor {
	rc, ok := epoll.Listener(l)
	if !ok || s.loopFor(s.opts.Load(), true) == nil {
		return nil
	}
	a := &acceptor{srv: s, l: l, rc: rc, lfd: -1}
	_, a.unix = l.(*net.UnixListener)
	if rc.Control(func(fd uintptr) { a.lfd = int(fd) }) != nil {
		return nil
	}
	s.mu.Lock()
	a.loops = append(a.loops, s.loops...)
	s.mu.Unlock()
	a.failed = make(chan acceptFailure, len(a.loops))
	return a
}

// listenerCheck is how often Serve looks whether its listener was closed: net's Close tells
// the runtime's poller, not the loops.
const listenerCheck = 100 * time.Millisecond

// serve runs Serve's side: it returns ErrServerClosed after Shutdown and net.ErrClosed once
// the listener is closed. An accept error is logged once per burst, and the loop that met it
// watches the listener again after 5 ms, doubling to 1 s while the errors last.
func (a *acceptor) serve() error {
	s := a.srv
	defer a.stop()
	tick := time.NewTicker(listenerCheck)
	defer tick.Stop()
	var backoff time.Duration
	var lastFailure time.Time
	failed := 0
	for {
		select {
		case f := <-a.failed:
			if failed == 0 {
				s.opts.Load().Logger.Warn("server: accept failed; retrying with backoff", "err", f.err)
			}
			failed++
			lastFailure = time.Now()
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			if err := f.lp.listen(a); err != nil {
				a.failed <- acceptFailure{f.lp, err} // room: this loop is not watching
			}
		case <-s.shut:
			return ErrServerClosed
		case <-tick.C:
			if failed > 0 && time.Since(lastFailure) > 2*backoff {
				s.opts.Load().Logger.Info("server: accepting again", "failed accepts", failed)
				backoff, failed = 0, 0
			}
		}
		if a.rc.Control(func(uintptr) {}) != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			return &net.OpError{Op: "accept", Net: a.l.Addr().Network(), Addr: a.l.Addr(), Err: net.ErrClosed}
		}
	}
}

// listen makes lp watch the listener, exclusively among the loops.
func (lp *loop) listen(a *acceptor) error {
	lp.mu.Lock()
	if !slices.Contains(lp.accepting, a) {
		lp.accepting = append(lp.accepting, a)
	}
	lp.mu.Unlock()
	// Under Control the descriptor is the listener's: a closed listener's number may
	// belong to another socket by now.
	var err error
	if cerr := a.rc.Control(func(fd uintptr) { err = lp.pl.Add(int(fd), epoll.In|epoll.Exclusive) }); cerr != nil {
		return cerr
	}
	return err
}

// start makes every loop watch the listener; on failure (a kernel without EPOLLEXCLUSIVE,
// Linux before 4.5) none does, and Serve accepts through net instead.
func (a *acceptor) start() error {
	for _, lp := range a.loops {
		if err := lp.listen(a); err != nil {
			a.stop()
			return err
		}
	}
	return nil
}

// stop makes every loop forget the listener.
func (a *acceptor) stop() {
	for _, lp := range a.loops {
		lp.forget(a)
	}
}

// forget drops a from the loop's list. Its descriptor leaves the epoll set by itself when
// the listener is closed; while it is open it is taken out here.
func (lp *loop) forget(a *acceptor) {
	lp.unlist(a)
	a.rc.Control(func(fd uintptr) { lp.pl.Remove(int(fd)) })
}

// unlist drops a from the loop's list.
func (lp *loop) unlist(a *acceptor) {
	lp.mu.Lock()
	lp.accepting = slices.DeleteFunc(lp.accepting, func(b *acceptor) bool { return b == a })
	lp.mu.Unlock()
}

// acceptorOf returns the acceptor whose listener has descriptor fd, or nil: a readiness for
// a descriptor that is not a connection's.
func (lp *loop) acceptorOf(fd int) *acceptor {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	for _, a := range lp.accepting {
		if a.lfd == fd {
			return a
		}
	}
	return nil
}

// maxAccepts bounds the connections a loop takes in one go, so that a flood of new clients
// cannot hold up the turns of the connections it has.
const maxAccepts = 64

// accept takes the connections waiting on a's listener onto lp, on lp's goroutine.
func (lp *loop) accept(a *acceptor) {
	s := lp.srv
	var failure error
	closed := a.rc.Control(func(lfd uintptr) {
		for range maxAccepts {
			fd, addr, err := acceptConn(int(lfd))
			if errors.Is(err, epoll.ErrNoneWaiting) {
				return
			}
			if err != nil {
				// Out of descriptors or buffers: the listener stays ready, so watching it
				// would spin; Serve watches it again after a pause.
				lp.pl.Remove(int(lfd))
				failure = err
				return
			}
			s.take(lp, fd, addr, a.unix)
		}
	}) != nil
	switch {
	case closed:
		lp.unlist(a)
	case failure != nil:
		select {
		case a.failed <- acceptFailure{lp, failure}:
		default: // cannot happen: one per loop, and the loop stopped watching
		}
	}
}

// acceptConn is epoll.Accept; tests make it fail.
var acceptConn = epoll.Accept

// take starts the upgrade of a connection lp accepted, on lp, unless MaxConnections refuses
// it or the options no longer ask for event loops.
func (s *Server) take(lp *loop, fd int, addr netip.AddrPort, unix bool) {
	if !unix {
		epoll.SetNoDelay(fd)
	}
	opts := s.opts.Load()
	if err := s.admit(opts); err != nil {
		go func() {
			if nc := fileConn(fd); nc != nil {
				s.refuseBusy(nc, err)
			}
		}()
		return
	}
	if opts.EventLoops <= 0 {
		go func() {
			if nc := fileConn(fd); nc != nil {
				s.serveConn(nc)
			}
		}()
		return
	}
	lc := &loopConn{lp: lp, fd: int32(fd), slot: -1, raddr: addr, unix: unix}
	lc.drv = lc
	lc.opts = opts
	lc.upgrading = true
	lp.running = append(lp.running, lc) // its first turn comes in this round of the loop
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
