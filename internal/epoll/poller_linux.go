package epoll

import (
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Readiness events a Poller waits for.
const (
	In  = syscall.EPOLLIN
	Out = syscall.EPOLLOUT
	// Hup is reported whether asked for or not: the socket hung up or failed.
	Hup = syscall.EPOLLHUP | syscall.EPOLLERR
	// Exclusive, added with In on a listening socket that several Pollers watch, wakes one
	// of them per connection rather than all (EPOLLEXCLUSIVE, Linux 4.5).
	Exclusive = 1 << 28
)

// Poller is an epoll set plus a pipe that Notify writes to. Its Wait parks in Go's netpoller
// (the epoll descriptor is registered there as a file), so a waiting Poller holds no thread
// and timers and other goroutines run as usual. One goroutine waits; any may Notify.
type Poller struct {
	epfd         int
	file         *os.File // epfd, pollable by the runtime
	rc           syscall.RawConn
	wakeR, wakeW int
	events       []syscall.EpollEvent
	poll         func(uintptr) bool // pollOnce, made once: a method value allocates
	polled       int
	pollErr      error
	notified     atomic.Bool
}

// New returns a Poller that reports up to maxEvents events per Wait.
func New(maxEvents int) (*Poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		syscall.Close(epfd)
		return nil, os.NewSyscallError("pipe2", err)
	}
	pl := &Poller{epfd: epfd, wakeR: p[0], wakeW: p[1], events: make([]syscall.EpollEvent, maxEvents)}
	if err := pl.Add(pl.wakeR, In); err != nil {
		pl.Close()
		return nil, err
	}
	// A non-blocking descriptor given to os.NewFile is added to the runtime's poller.
	syscall.SetNonblock(epfd, true)
	pl.poll = pl.pollOnce
	pl.file = os.NewFile(uintptr(epfd), "epoll")
	if pl.rc, err = pl.file.SyscallConn(); err != nil {
		pl.Close()
		return nil, err
	}
	return pl, nil
}

// Close releases the epoll set and the pipe.
func (pl *Poller) Close() {
	if pl.file != nil {
		pl.file.Close()
	} else {
		syscall.Close(pl.epfd)
	}
	syscall.Close(pl.wakeR)
	syscall.Close(pl.wakeW)
}

// Event is one ready descriptor.
type Event = syscall.EpollEvent

// Wait returns the ready descriptors (valid until the next Wait) and whether Notify was
// called since the last Wait that reported it. It asks epoll without blocking and parks in
// the runtime's netpoller only when nothing is ready: a readiness that comes in between
// wakes the parked goroutine, so none is lost.
func (pl *Poller) Wait() (events []Event, notified bool, err error) {
	rerr := pl.rc.Read(pl.poll)
	n, werr := pl.polled, pl.pollErr
	if werr != nil {
		return nil, false, os.NewSyscallError("epoll_wait", werr)
	}
	if rerr != nil {
		// The runtime could not poll the epoll descriptor: block in epoll_wait instead.
		for {
			n, werr = syscall.EpollWait(pl.epfd, pl.events, -1)
			if werr != syscall.EINTR {
				break
			}
		}
		if werr != nil {
			return nil, false, os.NewSyscallError("epoll_wait", werr)
		}
	}
	events = pl.events[:n]
	for i := 0; i < len(events); i++ {
		if int(events[i].Fd) == pl.wakeR {
			var buf [64]byte
			syscall.Read(pl.wakeR, buf[:])
			// Cleared after the pipe is read: a Notify from now on writes it again.
			pl.notified.Store(false)
			notified = true
			events[i] = events[len(events)-1]
			events = events[:len(events)-1]
			i--
		}
	}
	return events, notified, nil
}

func (pl *Poller) pollOnce(uintptr) bool {
	r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(pl.epfd),
		uintptr(unsafe.Pointer(&pl.events[0])), uintptr(len(pl.events)), 0, 0, 0)
	pl.polled, pl.pollErr = int(r), nil
	if e != 0 {
		pl.polled = 0
		if e != syscall.EINTR {
			pl.pollErr = e
		}
	}
	return pl.polled > 0 || pl.pollErr != nil
}

// Notify makes the current or next Wait return with notified true; any goroutine may call it.
func (pl *Poller) Notify() {
	if !pl.notified.Swap(true) {
		one := [1]byte{1}
		syscall.Write(pl.wakeW, one[:])
	}
}

// Add starts watching fd for events.
func (pl *Poller) Add(fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	return ctl(pl.epfd, syscall.EPOLL_CTL_ADD, fd, &ev)
}

// Modify changes the events watched on fd.
func (pl *Poller) Modify(fd int, events uint32) error {
	ev := syscall.EpollEvent{Events: events, Fd: int32(fd)}
	return ctl(pl.epfd, syscall.EPOLL_CTL_MOD, fd, &ev)
}

// Remove stops watching fd.
func (pl *Poller) Remove(fd int) {
	ctl(pl.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
}

// ctl is epoll_ctl, which never blocks: a raw system call, like the sockets' (socket_linux.go).
func ctl(epfd, op, fd int, ev *syscall.EpollEvent) error {
	_, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_CTL, uintptr(epfd), uintptr(op), uintptr(fd),
		uintptr(unsafe.Pointer(ev)), 0, 0)
	if e != 0 {
		return os.NewSyscallError("epoll_ctl", e)
	}
	return nil
}
