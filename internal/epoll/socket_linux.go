package epoll

import (
	"errors"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// The sockets are non-blocking, so their system calls go straight to the kernel
// (RawSyscall): through syscall.Syscall, a long copy looks to the runtime like a blocked
// thread, and sysmon hands the loop's P to another thread, at the cost of a context switch
// each way.

// Read reads from fd into b. n == 0 with a nil error and wouldBlock false is the end of the
// stream; wouldBlock reports that the socket had nothing.
func Read(fd int, b []byte) (n int, wouldBlock bool, err error) {
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

// Writev writes as much of a and then b as the socket takes now, with one system call.
func Writev(fd int, a, b []byte) (n int, err error) {
	var iov [2]syscall.Iovec
	cnt := 0
	for _, p := range [2][]byte{a, b} {
		if len(p) > 0 {
			iov[cnt].Base = &p[0]
			iov[cnt].SetLen(len(p))
			cnt++
		}
	}
	if cnt == 0 {
		return 0, nil
	}
	for {
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
}

// Close closes fd.
func Close(fd int) {
	// Raw: closing a socket without SO_LINGER, which nothing here sets, never blocks.
	syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0)
}

// UnixPeer returns the name of the peer of the Unix socket fd as the net package writes it
// ("@" for an unnamed or abstract socket), or "" when it cannot be had.
func UnixPeer(fd int) string {
	sa, err := syscall.Getpeername(fd)
	if u, ok := sa.(*syscall.SockaddrUnix); ok && err == nil {
		return u.Name
	}
	return ""
}

// Pollable reports whether nc is a socket Detach can take: TCP or Unix.
func Pollable(nc net.Conn) bool {
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

// Detach returns a non-blocking duplicate of nc's descriptor and closes nc, so that the
// runtime's poller no longer watches it.
func Detach(nc net.Conn) (int, error) {
	if !Pollable(nc) {
		return -1, errors.New("epoll: not a TCP or Unix socket")
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
