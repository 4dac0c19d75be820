package epoll

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// ErrNoneWaiting is Accept's answer when no connection is waiting.
var ErrNoneWaiting = errors.New("epoll: no connection waiting")

// Listener returns the descriptor access of a listening TCP or Unix socket, for Accept,
// and whether l is one.
func Listener(l net.Listener) (syscall.RawConn, bool) {
	var sc syscall.Conn
	switch l := l.(type) {
	case *net.TCPListener:
		sc = l
	case *net.UnixListener:
		sc = l
	default:
		return nil, false
	}
	rc, err := sc.SyscallConn()
	return rc, err == nil
}

// Accept takes a connection waiting on the listening socket lfd, without waiting: a
// non-blocking, close-on-exec descriptor and, for TCP, the client's address. It returns
// ErrNoneWaiting when none waits. Unlike the net package it registers nothing with the
// runtime's poller and sets no socket options, so a connection an event loop takes costs one
// system call instead of about ten; SetNoDelay and SetKeepAlive are the caller's.
func Accept(lfd int) (int, netip.AddrPort, error) {
	var rsa syscall.RawSockaddrAny
	for {
		size := uint32(unsafe.Sizeof(rsa))
		r, _, e := syscall.RawSyscall6(syscall.SYS_ACCEPT4, uintptr(lfd), uintptr(unsafe.Pointer(&rsa)),
			uintptr(unsafe.Pointer(&size)), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0, 0)
		switch e {
		case 0:
			return int(r), addrPort(&rsa), nil
		case syscall.EINTR, syscall.ECONNABORTED:
			// Interrupted, or a client that reset before it was taken: try the next.
		case syscall.EAGAIN:
			return -1, netip.AddrPort{}, ErrNoneWaiting
		default:
			return -1, netip.AddrPort{}, os.NewSyscallError("accept4", e)
		}
	}
}

// addrPort reads an IPv4 or IPv6 address from rsa; another family gives the zero value.
func addrPort(rsa *syscall.RawSockaddrAny) netip.AddrPort {
	switch rsa.Addr.Family {
	case syscall.AF_INET:
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), port(sa.Port))
	case syscall.AF_INET6:
		sa := (*syscall.RawSockaddrInet6)(unsafe.Pointer(rsa))
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			a = a.WithZone(zone(int(sa.Scope_id)))
		}
		return netip.AddrPortFrom(a, port(sa.Port))
	}
	return netip.AddrPort{}
}

// zone names a link-local address's interface as the net package does: by its name, or by
// its index when it has none.
func zone(index int) string {
	if ifi, err := net.InterfaceByIndex(index); err == nil {
		return ifi.Name
	}
	return strconv.Itoa(index)
}

// port converts a port in network byte order, as the kernel fills it in.
func port(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// SetNoDelay turns Nagle's algorithm off on a TCP socket, as the net package does for every
// connection it accepts: a WebSocket frame is written whole, and waiting to coalesce it only
// adds latency.
func SetNoDelay(fd int) error {
	return setInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
}

// SetKeepAlive turns TCP keep-alive probes on with the net package's default timing: the
// first after d idle, then every d, nine unanswered ending the connection.
func SetKeepAlive(fd int, d time.Duration) error {
	secs := max(int(d/time.Second), 1)
	for _, o := range [...]struct{ level, name, v int }{
		{syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, secs},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, secs},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, 9},
	} {
		if err := setInt(fd, o.level, o.name, o.v); err != nil {
			return err
		}
	}
	return nil
}

// setInt is setsockopt, which never blocks: a raw system call.
func setInt(fd, level, name, v int) error {
	v32 := int32(v)
	_, _, e := syscall.RawSyscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name),
		uintptr(unsafe.Pointer(&v32)), 4, 0)
	if e != 0 {
		return os.NewSyscallError("setsockopt", e)
	}
	return nil
}
