//go:build linux

package server

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// loop is one event loop: an epoll set of connection sockets plus a pipe that other
// goroutines write to when a connection has infos, a timer or a shutdown for it. The loop
// itself parks in Go's netpoller (the epoll descriptor is registered there as a file), so it
// holds no thread while idle and timers and other goroutines run as usual.
type loop struct {
	srv     *Server
	epfd    int
	file    *os.File // epfd, pollable by the runtime
	rc      syscall.RawConn
	wakeR   int
	wakeW   int
	events  []syscall.EpollEvent
	byFd    []*Conn
	poll    func(uintptr) bool // pollOnce, made once: a method value allocates
	polled  int
	pollErr error
	rbuf    []byte // every connection of the loop reads into this buffer
	now     time.Time

	mu       sync.Mutex
	woken    []*Conn
	spare    []*Conn
	stopping bool
	notified atomic.Bool
}

const (
	epollIn  = syscall.EPOLLIN
	epollOut = syscall.EPOLLOUT
)

func newLoop(s *Server, readBuffer int) (*loop, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		syscall.Close(epfd)
		return nil, os.NewSyscallError("pipe2", err)
	}
	lp := &loop{srv: s, epfd: epfd, wakeR: p[0], wakeW: p[1],
		events: make([]syscall.EpollEvent, 256), rbuf: make([]byte, readBuffer)}
	ev := syscall.EpollEvent{Events: epollIn, Fd: int32(lp.wakeR)}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, lp.wakeR, &ev); err != nil {
		lp.closeFds()
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	// A non-blocking descriptor given to os.NewFile is added to the runtime's poller.
	syscall.SetNonblock(epfd, true)
	lp.poll = lp.pollOnce
	lp.file = os.NewFile(uintptr(epfd), "epoll")
	if lp.rc, err = lp.file.SyscallConn(); err != nil {
		lp.closeFds()
		return nil, err
	}
	go lp.run()
	return lp, nil
}

func (lp *loop) closeFds() {
	if lp.file != nil {
		lp.file.Close()
	} else {
		syscall.Close(lp.epfd)
	}
	syscall.Close(lp.wakeR)
	syscall.Close(lp.wakeW)
}

// run waits for ready sockets and wake-ups and gives each connection its turn.
func (lp *loop) run() {
	defer lp.closeFds()
	for {
		n, err := lp.wait()
		if err != nil {
			lp.srv.opts.Load().Logger.Error("server: event loop stopped", "err", err)
			lp.abandon()
			return
		}
		lp.now = time.Now()
		for i := range n {
			ev := &lp.events[i]
			fd := int(ev.Fd)
			if fd == lp.wakeR {
				if lp.wakeUps() {
					return
				}
				continue
			}
			if fd < len(lp.byFd) && lp.byFd[fd] != nil {
				lp.byFd[fd].turn(ev.Events)
			}
		}
	}
}

// wait returns the number of ready events. It asks epoll without blocking and parks in the
// runtime's netpoller only when nothing is ready: a readiness that comes in between wakes
// the parked goroutine, so none is lost.
func (lp *loop) wait() (int, error) {
	err := lp.rc.Read(lp.poll)
	n, werr := lp.polled, lp.pollErr
	if werr != nil {
		return 0, os.NewSyscallError("epoll_wait", werr)
	}
	if err != nil {
		// The runtime could not poll the epoll descriptor: block in epoll_wait instead.
		for {
			n, werr = syscall.EpollWait(lp.epfd, lp.events, -1)
			if werr != syscall.EINTR {
				break
			}
		}
		if werr != nil {
			return 0, os.NewSyscallError("epoll_wait", werr)
		}
	}
	return n, nil
}

func (lp *loop) pollOnce(uintptr) bool {
	r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(lp.epfd),
		uintptr(unsafe.Pointer(&lp.events[0])), uintptr(len(lp.events)), 0, 0, 0)
	lp.polled, lp.pollErr = int(r), nil
	if e != 0 {
		lp.polled = 0
		if e != syscall.EINTR {
			lp.pollErr = e
		}
	}
	return lp.polled > 0 || lp.pollErr != nil
}

// wake asks the loop for a turn of c; any goroutine may call it.
func (lp *loop) wake(c *Conn) {
	lp.mu.Lock()
	if !c.queued {
		c.queued = true
		lp.woken = append(lp.woken, c)
	}
	lp.mu.Unlock()
	lp.notify()
}

func (lp *loop) notify() {
	if !lp.notified.Swap(true) {
		var one = [1]byte{1}
		syscall.Write(lp.wakeW, one[:])
	}
}

// wakeUps gives a turn to every connection woken since the last call. It reports whether
// the loop is to stop.
func (lp *loop) wakeUps() bool {
	var buf [64]byte
	syscall.Read(lp.wakeR, buf[:])
	// Cleared before the list is taken: a wake after this point writes the pipe again.
	lp.notified.Store(false)
	lp.mu.Lock()
	woken := lp.woken
	lp.woken = lp.spare[:0]
	for _, c := range woken {
		c.queued = false
	}
	stopping := lp.stopping
	lp.mu.Unlock()
	for i, c := range woken {
		woken[i] = nil
		if c.fd >= 0 {
			c.turn(0)
		}
	}
	lp.spare = woken[:0]
	return stopping && lp.empty()
}

func (lp *loop) empty() bool {
	for _, c := range lp.byFd {
		if c != nil {
			return false
		}
	}
	return true
}

// stop ends the loop once its connections have ended.
func (lp *loop) stop() {
	lp.mu.Lock()
	lp.stopping = true
	lp.mu.Unlock()
	lp.notify()
}

// abandon ends every connection of a loop that cannot go on.
func (lp *loop) abandon() {
	for _, c := range lp.byFd {
		if c != nil {
			c.setReason(ReasonError{Err: ErrClosed})
			c.done = true
			c.wbuf, c.wo = c.wbuf[:0], 0
			c.finishLoop()
		}
	}
}

// attach hands c's socket to the loop: the descriptor is duplicated and the net.Conn
// closed, so that the runtime's poller no longer watches it. On failure (out of
// descriptors) the connection ends: the caller runs it on a goroutine, which only finishes it.
func (lp *loop) attach(c *Conn) bool {
	fd, err := detach(c.nc)
	if err != nil {
		c.setReason(ReasonError{Err: err})
		c.done = true
		return false
	}
	if c.rbuf != nil {
		// Bytes that came with the handshake.
		c.carry = append(c.carry[:0], c.rbuf[c.r:c.w]...)
		c.srv.putBuf(c.rbox, c.rbuf)
		c.rbuf, c.rbox, c.r, c.w = nil, nil, 0, 0
	}
	lp.mu.Lock()
	c.fd = fd
	c.lp = lp
	c.queued = true
	lp.woken = append(lp.woken, c)
	lp.mu.Unlock()
	lp.notify()
	return true
}

// pollable reports whether nc is a socket an event loop can drive.
func pollable(nc net.Conn) bool {
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

// detach returns a non-blocking duplicate of nc's descriptor and closes nc.
func detach(nc net.Conn) (int, error) {
	if !pollable(nc) {
		return -1, errors.New("server: not a TCP or Unix socket")
	}
	rc, err := nc.(syscall.Conn).SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, flags := -1, uintptr(0)
	var errno syscall.Errno
	if err := rc.Control(func(s uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if errno = e; e == 0 {
			fd = int(r)
			// O_NONBLOCK belongs to the open file, which the duplicate shares, and the net
			// package's sockets have it: checked rather than set, one call instead of two.
			flags, _, errno = syscall.Syscall(syscall.SYS_FCNTL, r, syscall.F_GETFL, 0)
		}
	}); err != nil {
		return -1, err
	}
	if errno == 0 && flags&syscall.O_NONBLOCK == 0 {
		err = syscall.SetNonblock(fd, true)
	} else if errno != 0 {
		err = os.NewSyscallError("fcntl", errno)
	}
	if err != nil {
		if fd >= 0 {
			syscall.Close(fd)
		}
		return -1, err
	}
	nc.Close()
	return fd, nil
}

// register adds c's socket to the epoll set.
func (lp *loop) register(c *Conn) error {
	for c.fd >= len(lp.byFd) {
		lp.byFd = append(lp.byFd, make([]*Conn, max(64, len(lp.byFd)))...)
	}
	// Readable is what a new connection almost always waits for next: asking for it now
	// saves the change of interest at the end of the first turn.
	ev := syscall.EpollEvent{Events: epollIn, Fd: int32(c.fd)}
	if err := syscall.EpollCtl(lp.epfd, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	c.interest = epollIn
	lp.byFd[c.fd] = c
	return nil
}

// interest sets which readiness of c's socket the loop waits for.
func (lp *loop) interest(c *Conn, events uint32) {
	if events == c.interest {
		return
	}
	ev := syscall.EpollEvent{Events: events, Fd: int32(c.fd)}
	if err := syscall.EpollCtl(lp.epfd, syscall.EPOLL_CTL_MOD, c.fd, &ev); err != nil {
		c.setReason(ReasonError{Err: os.NewSyscallError("epoll_ctl", err)})
		c.done = true
		return
	}
	c.interest = events
}

// unregister removes c from the loop and closes its socket.
func (lp *loop) unregister(c *Conn) {
	if c.fd < len(lp.byFd) && lp.byFd[c.fd] == c {
		lp.byFd[c.fd] = nil
		syscall.EpollCtl(lp.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	}
	syscall.Close(c.fd)
	c.fd = -1
}

// The loop's sockets are non-blocking, so their system calls go straight to the kernel
// (RawSyscall): through syscall.Syscall, a long copy looks to the runtime like a blocked
// thread, and sysmon hands the loop's P to another thread, at the cost of a context switch
// each way.

// sockRead reads from c's socket into b. n == 0 with a nil error is the end of the stream;
// wouldBlock reports that the socket had nothing.
func sockRead(fd int, b []byte) (n int, wouldBlock bool, err error) {
	if len(b) == 0 {
		return 0, true, nil
	}
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		switch e {
		case 0:
			return int(r), false, nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			return 0, true, nil
		default:
			return 0, false, os.NewSyscallError("read", e)
		}
	}
}

// sockWritev writes as much of a and then b as the socket takes now, with one writev.
func sockWritev(fd int, a, b []byte) (n int, err error) {
	var iov [2]syscall.Iovec
	cnt := 0
	for _, p := range [2][]byte{a, b} {
		if len(p) > 0 {
			iov[cnt].Base = &p[0]
			iov[cnt].SetLen(len(p))
			cnt++
		}
	}
	for cnt > 0 {
		r, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(cnt))
		switch e {
		case 0:
			return int(r), nil
		case syscall.EINTR:
		case syscall.EAGAIN:
			return 0, nil
		default:
			return 0, os.NewSyscallError("writev", e)
		}
	}
	return 0, nil
}

// sockWrite writes as much of b as the socket takes now.
func sockWrite(fd int, b []byte) (n int, err error) {
	for n < len(b) {
		r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&b[n])), uintptr(len(b)-n))
		switch e {
		case 0:
			n += int(r)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return n, nil
		default:
			return n, os.NewSyscallError("write", e)
		}
	}
	return n, nil
}
