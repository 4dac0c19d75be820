package client

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// pattern fills a message deterministically, so both ends can hash it without holding it.
type pattern struct{ left int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.left))
	for i := range b[:n] {
		b[i] = byte(p.left - int64(i))
	}
	p.left -= int64(n)
	return n, nil
}

func patternSum(size int64) [32]byte {
	h := sha256.New()
	io.CopyBuffer(h, &pattern{size}, make([]byte, 64<<10))
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// streamPair is a client and a server Conn over loopback TCP with the given message limit on
// the server's side.
func streamPair(t testing.TB, maxMessage int64) (client, server *Conn) {
	a, b := tcpPair(t)
	deadline := time.Now().Add(30 * time.Second)
	a.SetDeadline(deadline)
	b.SetDeadline(deadline)
	return newConn(a, ws.Config{Role: frame.RoleClient, MaxMessageSize: maxMessage}, nil),
		newConn(b, ws.Config{MaxMessageSize: maxMessage}, nil)
}

// streamEcho sends size bytes from client through a Writer, the server echoes them from a
// Reader into a Writer, and the client reads them back through a Reader; it returns the
// hash of what came back and the bytes allocated meanwhile.
func streamEcho(t testing.TB, c, s *Conn, size int64) ([32]byte, uint64) {
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	echoed := make(chan error, 1)
	go func() {
		op, r, err := s.Reader(ctx)
		if err != nil {
			echoed <- err
			return
		}
		w, err := s.Writer(ctx, op)
		if err != nil {
			echoed <- err
			return
		}
		_, err = io.CopyBuffer(w, r, make([]byte, 64<<10))
		echoed <- errors.Join(err, w.Close())
	}()
	sent := make(chan error, 1)
	go func() {
		w, err := c.Writer(ctx, frame.OpBinary)
		if err != nil {
			sent <- err
			return
		}
		_, err = io.CopyBuffer(w, &pattern{size}, make([]byte, 64<<10))
		sent <- errors.Join(err, w.Close())
	}()
	_, r, err := c.Reader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, r, make([]byte, 64<<10))
	if err := errors.Join(err, <-sent, <-echoed); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n != size {
		t.Fatalf("read back %d bytes; want %d", n, size)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, after.TotalAlloc - before.TotalAlloc
}

// TestStreamEcho: a 64 MiB message goes out through a Writer in frames and comes back
// through a Reader, intact, with the memory of a few frames: a message larger than the
// memory the endpoints give it can be sent and received.
func TestStreamEcho(t *testing.T) {
	const size = 64 << 20
	c, s := streamPair(t, -1)
	sum, allocated := streamEcho(t, c, s, size)
	if sum != patternSum(size) {
		t.Error("the message came back changed")
	}
	if allocated > 4<<20 {
		t.Errorf("echoing %d MiB allocated %d KiB; want under 4 MiB", size>>20, allocated>>10)
	}
}

// BenchmarkStreamEcho256MiB: one 256 MiB message streamed out and back; B/op is what the
// echo allocated, which stays at a few frames' worth, not the message's size.
func BenchmarkStreamEcho256MiB(b *testing.B) {
	const size = 256 << 20
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		c, s := streamPair(b, -1)
		streamEcho(b, c, s, size)
	}
}

// TestStreamLimit: the size limit holds for streamed messages (RFC 6455 §10.4): the reader
// fails with bad size once the message passes it, and the writer's side is closed with 1009.
func TestStreamLimit(t *testing.T) {
	c, s := streamPair(t, 1<<20)
	ctx := context.Background()
	go func() {
		w, _ := c.Writer(ctx, frame.OpBinary)
		io.Copy(w, &pattern{4 << 20})
		w.Close()
	}()
	_, r, err := s.Reader(ctx)
	if err == nil {
		_, err = io.Copy(io.Discard, r)
	}
	if !errors.Is(err, frame.ErrBadSize) {
		t.Errorf("server read: %v; want bad size", err)
	}
	var ce *CloseError
	for {
		if _, _, err = c.Read(ctx); err != nil {
			break
		}
	}
	if !errors.As(err, &ce) || ce.Code != frame.CloseMessageTooBig {
		t.Errorf("client read: %v; want the server's close 1009", err)
	}
}

// TestReaderSkipped: a Reader left unfinished is skipped by the next read, which gets the
// next message whole.
func TestReaderSkipped(t *testing.T) {
	c, s := streamPair(t, 0)
	ctx := context.Background()
	go func() {
		c.Write(ctx, frame.OpText, []byte("first message, left unread"))
		c.Write(ctx, frame.OpText, []byte("second"))
	}()
	_, r, err := s.Reader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 5)
	io.ReadFull(r, head)
	_, data, err := s.Read(ctx)
	if diff := cmp.Diff([]string{"first", "second"}, []string{string(head), string(data)}); diff != "" || err != nil {
		t.Errorf("reads (-want +got):\n%s; err %v", diff, err)
	}
	if _, err := r.Read(head); err == nil {
		t.Error("the skipped Reader still reads")
	}
}

// TestContextRead: a Read blocked on a silent peer returns when its context ends, with the
// context's error, and the connection reads no more.
func TestContextRead(t *testing.T) {
	c, _ := streamPair(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := c.Read(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Read: %v; want context.DeadlineExceeded", err)
	}
	if _, _, err := c.Read(context.Background()); err == nil {
		t.Error("a Read after the interrupted one succeeded")
	}
}

// TestContextWrite: a Write the peer does not take (it stopped reading, the socket buffers
// are full) returns when its context ends, and the connection is closed.
func TestContextWrite(t *testing.T) {
	c, _ := streamPair(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	big := make([]byte, 1<<20)
	var err error
	for range 1000 { // 1 GiB: far more than loopback buffers hold
		if err = c.Write(ctx, frame.OpBinary, big); err != nil {
			break
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write: %v; want context.DeadlineExceeded", err)
	}
	if err := c.Write(context.Background(), frame.OpBinary, []byte("x")); err == nil {
		t.Error("a Write after the interrupted one succeeded")
	}
}
