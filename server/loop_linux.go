package server

import (
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bronco-ws/bronco/internal/epoll"
)

// loop is one event loop: an epoll set of connection sockets, and a list of connections that
// other goroutines woke (an info, a timer, a shutdown). It gives each ready connection one
// turn (driver_loop_linux.go). Connections share its read buffer, so an idle one holds none.
type loop struct {
	srv  *Server
	pl   *epoll.Poller
	byFd []*loopConn
	rbuf []byte // every connection of the loop reads into this buffer
	now  time.Time

	// running holds the woken connections being given their turns; a callback that ends
	// the loop's goroutine (runtime.Goexit) leaves the rest here for the next goroutine.
	running []*loopConn
	runAt   int // running[:runAt] have had their turn
	events  []epoll.Event
	// inflight is the input of the receive in progress, for the connection whose callback
	// may end the goroutine in the middle of it.
	inflight []byte

	timers  loopTimers
	expired atomic.Bool // the timer fired
	shut    atomic.Bool // Shutdown came: drop the upgrades being read (dropUpgrades)

	mu        sync.Mutex
	accepting []*acceptor // the listeners it watches (accept_linux.go)
	woken     []*loopConn
	spare     []*loopConn
	stopping  bool
	stopped   bool
}

func newLoop(s *Server, readBuffer int) (*loop, error) {
	pl, err := epoll.New(256)
	if err != nil {
		return nil, err
	}
	// Never smaller than what a handshake's reader can leave behind, the first carry.
	lp := &loop{srv: s, pl: pl, rbuf: make([]byte, max(readBuffer, 4096))}
	go lp.run()
	return lp, nil
}

// run waits for ready sockets and wake-ups and gives each connection its turn. When a
// callback ends the goroutine (runtime.Goexit), the connection's turn is completed by its
// own deferred code and the loop goes on in a new goroutine.
func (lp *loop) run() {
	returned := false
	defer func() {
		if !returned {
			if v := recover(); v != nil {
				lp.srv.opts.Load().Logger.Error("server: event loop failed", "panic", v, "stack", string(debug.Stack()))
			}
			go lp.run()
		}
	}()
	lp.serve()
	returned = true
}

func (lp *loop) serve() {
	for {
		lp.now = time.Now()
		for len(lp.events) > 0 {
			ev := lp.events[0]
			lp.events = lp.events[1:]
			if fd := int(ev.Fd); fd < len(lp.byFd) && lp.byFd[fd] != nil {
				lp.byFd[fd].turn(ev.Events)
			} else if a := lp.acceptorOf(fd); a != nil {
				lp.accept(a)
			}
		}
		for lp.runAt < len(lp.running) {
			lc := lp.running[lp.runAt]
			lp.running[lp.runAt] = nil
			lp.runAt++
			if lc.fd >= 0 {
				lc.turn(0)
			}
		}
		if lp.stopped {
			if lp.timers.timer != nil {
				lp.timers.timer.Stop()
			}
			lp.abandon() // requests still arriving after Shutdown: closed unanswered
			lp.pl.Close()
			return
		}
		lp.setTimer()
		events, notified, err := lp.pl.Wait()
		if err != nil {
			lp.srv.opts.Load().Logger.Error("server: event loop stopped", "err", err)
			lp.abandon()
			lp.pl.Close()
			return
		}
		lp.events = events
		if notified {
			lp.takeWoken()
			if lp.expired.Swap(false) {
				lp.expire(instantOf(time.Now()))
			}
			if lp.shut.Swap(false) {
				lp.dropUpgrades()
			}
		}
	}
}

// takeWoken moves the connections woken since the last call to running.
func (lp *loop) takeWoken() {
	lp.mu.Lock()
	woken := lp.woken
	lp.woken = lp.spare[:0]
	for _, lc := range woken {
		lc.queued = false
	}
	lp.stopped = lp.stopping && lp.empty()
	lp.mu.Unlock()
	// Three lists take turns, so that none is allocated again: the one just run becomes
	// the spare, the spare collects the next wake-ups, the woken are run.
	lp.spare = lp.running[:0]
	lp.running, lp.runAt = woken, 0
}

// empty reports whether no connection is left but upgrades still being read, which a
// stopping loop drops; the loop's goroutine calls it.
func (lp *loop) empty() bool {
	for _, lc := range lp.byFd {
		if lc != nil && !lc.upgrading {
			return false
		}
	}
	return true
}

// wake asks the loop for a turn of lc; any goroutine may call it.
func (lp *loop) wake(lc *loopConn) {
	lp.mu.Lock()
	if !lc.queued {
		lc.queued = true
		lp.woken = append(lp.woken, lc)
	}
	lp.mu.Unlock()
	lp.pl.Notify()
}

// shutdown asks the loop to let go the clients whose upgrade request it is still reading:
// after Shutdown they would only be refused. Any goroutine may call it.
func (lp *loop) shutdown() {
	lp.shut.Store(true)
	lp.pl.Notify()
}

// dropUpgrades closes, unanswered, every connection whose upgrade request is being read.
func (lp *loop) dropUpgrades() {
	for _, lc := range lp.byFd {
		if lc != nil && lc.upgrading {
			lp.unregister(lc)
		}
	}
}

// stop ends the loop once its connections have ended.
func (lp *loop) stop() {
	lp.mu.Lock()
	lp.stopping = true
	lp.mu.Unlock()
	lp.pl.Notify()
}

// abandon ends every connection of a loop that cannot go on.
func (lp *loop) abandon() {
	for _, lc := range lp.byFd {
		if lc != nil && lc.upgrading {
			lp.unregister(lc)
		} else if lc != nil {
			lc.closed(ErrClosed)
			lc.drop()
			lc.end()
		}
	}
}

// attach hands the connection's socket to the loop. On failure (out of descriptors) the
// connection is over before it began.
func (lp *loop) attach(lc *loopConn, nc net.Conn) error {
	fd, err := epoll.Detach(nc)
	if err != nil {
		return err
	}
	lp.queue(lc, fd)
	return nil
}

// adopt hands the loop a connection whose upgrade request it is to read (lc.upgrade).
func (lp *loop) adopt(lc *loopConn, fd int, opts *Options) {
	lc.opts = opts
	lc.upgrading = true
	lp.queue(lc, fd)
}

// queue gives lc, now owning fd, its first turn.
func (lp *loop) queue(lc *loopConn, fd int) {
	lp.mu.Lock()
	lc.fd = int32(fd)
	lc.queued = true
	lp.woken = append(lp.woken, lc)
	lp.mu.Unlock()
	lp.pl.Notify()
}

// register adds lc's socket to the epoll set, waiting for it to be readable: what a new
// connection almost always waits for next.
func (lp *loop) register(lc *loopConn) error {
	for int(lc.fd) >= len(lp.byFd) {
		lp.byFd = append(lp.byFd, make([]*loopConn, max(64, len(lp.byFd)))...)
	}
	if err := lp.pl.Add(int(lc.fd), epoll.In); err != nil {
		return err
	}
	lc.interest = epoll.In
	lp.byFd[lc.fd] = lc
	return nil
}

// watch changes the readiness the loop waits for on lc's socket. A connection that waits for
// none (inactive, Cowboy's {active, false}) leaves the epoll set, which would otherwise
// report a hang-up over and over: like a goroutine that does not read, it learns of the
// client's end when it reads again.
func (lp *loop) watch(lc *loopConn, events uint32) error {
	var err error
	switch {
	case events == 0:
		lp.pl.Remove(int(lc.fd))
	case lc.interest == 0:
		err = lp.pl.Add(int(lc.fd), events)
	default:
		err = lp.pl.Modify(int(lc.fd), events)
	}
	if err == nil {
		lc.interest = events
	}
	return err
}

// unregister removes lc from the loop and closes its socket.
func (lp *loop) unregister(lc *loopConn) {
	if fd := lp.release(lc); fd >= 0 {
		epoll.Close(fd)
	}
}

// release removes lc from the loop and returns its socket, still open, or -1 if it had none.
func (lp *loop) release(lc *loopConn) int {
	fd := int(lc.fd)
	if fd < 0 {
		return -1
	}
	if fd < len(lp.byFd) && lp.byFd[fd] == lc {
		lp.byFd[fd] = nil
		lp.pl.Remove(fd)
	}
	lp.disarm(lc)
	lc.fd = -1
	return fd
}
