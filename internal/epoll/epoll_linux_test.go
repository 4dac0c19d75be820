package epoll

import (
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// TestSocket walks a detached socket through what an event loop does with it: readiness,
// a read, a writev of two pieces, would-block, and the end of the stream.
func TestSocket(t *testing.T) {
	client, server := tcpPair(t)
	fd, err := Detach(server)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(fd)
	pl, err := New(8)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	if err := pl.Add(fd, In); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, wouldBlock, err := Read(fd, buf); n != 0 || !wouldBlock || err != nil {
		t.Errorf("Read with nothing sent: %d, %v, %v; want 0, would block", n, wouldBlock, err)
	}

	client.Write([]byte("hello"))
	events, notified, err := pl.Wait()
	if err != nil || notified || len(events) != 1 || int(events[0].Fd) != fd || events[0].Events&In == 0 {
		t.Fatalf("Wait: %v, notified %v, %v; want fd %d readable", events, notified, err, fd)
	}
	n, _, err := Read(fd, buf)
	if diff := cmp.Diff("hello", string(buf[:n])); diff != "" || err != nil {
		t.Errorf("Read (-want +got):\n%s %v", diff, err)
	}

	if n, err := Writev(fd, []byte("head,"), []byte("tail")); n != 9 || err != nil {
		t.Errorf("Writev: %d, %v; want 9", n, err)
	}
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 9)
	if _, err := client.Read(got); err != nil || string(got) != "head,tail" {
		t.Errorf("client read %q, %v; want head,tail", got, err)
	}

	client.Close()
	if _, _, err := pl.Wait(); err != nil {
		t.Fatal(err)
	}
	if n, wouldBlock, err := Read(fd, buf); n != 0 || wouldBlock || err != nil {
		t.Errorf("Read after the peer closed: %d, %v, %v; want the end of the stream", n, wouldBlock, err)
	}
}

// TestNotify: Notify from another goroutine ends a Wait that has no ready socket, once per
// batch of Notify calls.
func TestNotify(t *testing.T) {
	pl, err := New(8)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	go func() {
		pl.Notify()
		pl.Notify()
	}()
	events, notified, err := pl.Wait()
	if err != nil || !notified || len(events) != 0 {
		t.Fatalf("Wait: %v, %v, %v; want notified and no events", events, notified, err)
	}
}

// TestDetachRefuses: only TCP and Unix sockets can be taken from net.
func TestDetachRefuses(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if fd, err := Detach(a); err == nil {
		Close(fd)
		t.Error("Detach of a net.Pipe succeeded")
	}
}
