package epoll

import (
	"errors"
	"net"
	"net/netip"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAccept: Accept takes a waiting connection once, as a non-blocking, close-on-exec
// descriptor with the client's address as the net package gives it (IPv4, IPv6; none for a
// Unix socket), and then says that none waits. On TCP, SetNoDelay and SetKeepAlive leave the
// options that the net package sets on the connections it accepts.
func TestAccept(t *testing.T) {
	tests := []struct{ network, addr string }{
		{"tcp4", "127.0.0.1:0"},
		{"tcp6", "[::1]:0"},
		{"unix", filepath.Join(t.TempDir(), "s")},
	}
	for _, tt := range tests {
		t.Run(tt.network, func(t *testing.T) {
			l, err := net.Listen(tt.network, tt.addr)
			if err != nil {
				t.Skipf("no %s here: %v", tt.network, err)
			}
			defer l.Close()
			rc, ok := Listener(l)
			if !ok {
				t.Fatal("Listener: not a TCP or Unix listener")
			}
			c, err := net.Dial(tt.network, l.Addr().String()) // queued for accept when Dial returns
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var (
				fd          int
				addr        netip.AddrPort
				first, next error
			)
			rc.Control(func(lfd uintptr) {
				fd, addr, first = Accept(int(lfd))
				_, _, next = Accept(int(lfd))
			})
			if first != nil {
				t.Fatal(first)
			}
			defer Close(fd)
			type result struct {
				Addr                      string
				NonBlocking, CloseOnExec  bool
				NoneWaiting               bool
				NoDelay, KeepAlive        int
				KeepIdle, KeepIntvl, Keep int
			}
			fl, _, _ := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
			fdfl, _, _ := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
			got := result{
				NonBlocking: fl&syscall.O_NONBLOCK != 0,
				CloseOnExec: fdfl&syscall.FD_CLOEXEC != 0,
				NoneWaiting: errors.Is(next, ErrNoneWaiting),
			}
			want := result{NonBlocking: true, CloseOnExec: true, NoneWaiting: true}
			if addr.IsValid() {
				got.Addr = addr.String()
			}
			if tt.network != "unix" {
				want.Addr = c.LocalAddr().String()
				if err := SetNoDelay(fd); err != nil {
					t.Fatal(err)
				}
				if err := SetKeepAlive(fd, 15*time.Second); err != nil {
					t.Fatal(err)
				}
				opt := func(level, name int) int {
					v, err := syscall.GetsockoptInt(fd, level, name)
					if err != nil {
						t.Fatal(err)
					}
					return v
				}
				got.NoDelay = opt(syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
				got.KeepAlive = opt(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
				got.KeepIdle = opt(syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE)
				got.KeepIntvl = opt(syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL)
				got.Keep = opt(syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT)
				want.NoDelay, want.KeepAlive, want.KeepIdle, want.KeepIntvl, want.Keep = 1, 1, 15, 15, 9
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("accepted socket (-want +got):\n%s", diff)
			}
		})
	}
}

// TestListener: only TCP and Unix listeners have a descriptor Accept can take from.
func TestListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type wrapped struct{ net.Listener }
	got := [2]bool{}
	_, got[0] = Listener(l)
	_, got[1] = Listener(wrapped{l})
	if diff := cmp.Diff([2]bool{true, false}, got); diff != "" {
		t.Errorf("Listener(TCP, wrapped) (-want +got):\n%s", diff)
	}
}
