// Package h2conn gives an HTTP/2 stream carrying a WebSocket (RFC 8441) the shape of a
// net.Conn, so that bronco's server driver and client run over it as over a socket.
package h2conn

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// ErrReset is what reads return once the peer has reset the stream (RST_STREAM): the
// WebSocket's transport ended without its closing handshake.
var ErrReset = errors.New("h2conn: HTTP/2 stream reset")

// Stream is one side's two halves of an HTTP/2 stream, as net/http hands them out.
type Stream struct {
	// Body is what the peer sends: a server's request body, a client's response body.
	Body io.ReadCloser
	// Write sends bytes to the peer at once (a server flushes after writing).
	Write func(p []byte) (int, error)
	// SetWriteDeadline bounds writes; a write that passes it may end the stream, as
	// net/http's server resets it.
	SetWriteDeadline func(t time.Time) error
	// Close ends this side of the stream (END_STREAM), once nothing reads or writes.
	Close func() error
	// Abort, when set, ends the stream at once from any goroutine, while a read or a write
	// may be waiting (a reset: RST_STREAM); those return errors, and Close follows.
	Abort func()
	// Local and Remote are the HTTP/2 connection's addresses.
	Local, Remote net.Addr
}

// Conn is a net.Conn over a Stream. Reads come through a goroutine of the Conn's own, one
// chunk ahead, because a read deadline on net/http's HTTP/2 bodies ends the stream when it
// fires, and bronco's drivers use read deadlines to wake up (for infos, for a context): the
// deadline is kept here, on the hand-over, and passing it ends nothing. While nobody reads,
// the goroutine holds its one chunk and reads no more: the stream's flow-control window
// fills and the peer waits, which is the back-pressure a TCP socket gives.
type Conn struct {
	st      Stream
	chunks  chan chunk    // from the reader: at most one chunk waits
	next    chan struct{} // to the reader: the chunk is used, read the next one
	done    chan struct{} // closed by Close
	aborted chan struct{} // closed by Abort
	// mu orders Close and Abort: once Close has let a server's handler return, its
	// ResponseWriter may serve another stream, so Abort must not touch it any more.
	mu       sync.Mutex
	isClosed bool
	rd       deadline

	pending []byte // what is left of the chunk being read
	end     error  // the body's end, once a chunk carried it
}

type chunk struct {
	b   []byte
	err error
}

// chunkSize is the most the reader takes from the body at a time: HTTP/2's default largest
// frame payload.
const chunkSize = 16 << 10

// New returns a Conn over st; it reads nothing until Start.
func New(st Stream) *Conn {
	c := &Conn{st: st, chunks: make(chan chunk), next: make(chan struct{}), done: make(chan struct{}), aborted: make(chan struct{})}
	c.rd.expired = make(chan struct{})
	return c
}

// Start begins reading the body, once the stream is accepted.
func (c *Conn) Start() { go c.readBody() }

// Done is closed when the Conn is closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

func (c *Conn) readBody() {
	buf := make([]byte, chunkSize)
	for {
		n, err := c.st.Body.Read(buf)
		select {
		case c.chunks <- chunk{buf[:n], err}:
		case <-c.done:
			return
		}
		if err != nil {
			return
		}
		select {
		case <-c.next:
		case <-c.done:
			return
		}
	}
}

// Read returns what the peer sent, waiting until the read deadline at most. The peer's
// END_STREAM reads as io.EOF, its RST_STREAM as ErrReset.
func (c *Conn) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		if c.end != nil {
			return 0, c.end
		}
		select {
		case ch := <-c.chunks:
			c.pending = ch.b
			if ch.err != nil {
				c.end = streamEnd(ch.err)
			} else if len(ch.b) == 0 {
				c.next <- struct{}{} // an empty read: ask for more
			}
		case <-c.rd.wait():
			return 0, os.ErrDeadlineExceeded
		case <-c.aborted:
			return 0, ErrReset
		case <-c.done:
			return 0, net.ErrClosed
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	if len(c.pending) == 0 && c.end == nil {
		select {
		case c.next <- struct{}{}:
		case <-c.done:
		}
	}
	return n, nil
}

func streamEnd(err error) error {
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	return fmt.Errorf("%w (%v)", ErrReset, err)
}

// Write sends p to the peer.
func (c *Conn) Write(p []byte) (int, error) {
	select {
	case <-c.done:
		return 0, net.ErrClosed
	case <-c.aborted:
		return 0, ErrReset
	default:
	}
	return c.st.Write(p)
}

// Close ends this side of the stream and stops reading; it is safe to call more than once.
// The caller must be done reading and writing: a server's ResponseWriter is not to be used
// once Close lets its handler return.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isClosed {
		return net.ErrClosed
	}
	c.isClosed = true
	close(c.done)
	return c.st.Close()
}

// Abort resets the stream from any goroutine: a read or a write waiting on it returns an
// error. The reading and writing goroutine then calls Close.
func (c *Conn) Abort() {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.aborted:
		return
	default:
	}
	close(c.aborted)
	if !c.isClosed && c.st.Abort != nil {
		c.st.Abort()
	}
}

func (c *Conn) LocalAddr() net.Addr  { return c.st.Local }
func (c *Conn) RemoteAddr() net.Addr { return c.st.Remote }

func (c *Conn) SetDeadline(t time.Time) error {
	c.rd.set(t)
	return c.st.SetWriteDeadline(t)
}

// SetReadDeadline moves the read deadline; any goroutine may call it, and a deadline that
// passes fails only the reads waiting then, not the stream.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rd.set(t)
	return nil
}

func (c *Conn) SetWriteDeadline(t time.Time) error { return c.st.SetWriteDeadline(t) }

// deadline is a time after which wait's channel is closed; any goroutine may move it.
type deadline struct {
	mu      sync.Mutex
	timer   *time.Timer
	expired chan struct{} // closed once the deadline has passed
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.expired // the timer fired: its channel is closed, or about to be
	}
	d.timer = nil
	select {
	case <-d.expired:
		d.expired = make(chan struct{})
	default:
	}
	if t.IsZero() {
		return
	}
	wait := time.Until(t)
	if wait <= 0 {
		close(d.expired)
		return
	}
	expired := d.expired
	d.timer = time.AfterFunc(wait, func() { close(expired) })
}

func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expired
}

// PipeWriter is an io.PipeWriter, which has no deadlines, with a write deadline as a
// net.Conn has one: once it has passed, writes fail with os.ErrDeadlineExceeded; when it
// passes during a write, the pipe is closed with that error, which ends the stream (as
// net/http's server resets a stream whose write deadline passes), since the write may
// have sent part of its bytes.
type PipeWriter struct {
	mu      sync.Mutex
	pw      *io.PipeWriter
	timer   *time.Timer
	gen     int // which deadline the timer is for: a stopped timer may still fire
	writing bool
	expired bool
}

// NewPipeWriter returns pw with a write deadline.
func NewPipeWriter(pw *io.PipeWriter) *PipeWriter { return &PipeWriter{pw: pw} }

func (p *PipeWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	if p.expired {
		p.mu.Unlock()
		return 0, os.ErrDeadlineExceeded
	}
	p.writing = true
	p.mu.Unlock()
	n, err := p.pw.Write(b)
	p.mu.Lock()
	p.writing = false
	p.mu.Unlock()
	return n, err
}

// SetDeadline moves the write deadline; zero removes it.
func (p *PipeWriter) SetDeadline(t time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.expired = false
	p.gen++
	if t.IsZero() {
		return nil
	}
	wait := time.Until(t)
	if wait <= 0 {
		p.expireLocked()
		return nil
	}
	gen := p.gen
	p.timer = time.AfterFunc(wait, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if gen == p.gen {
			p.expireLocked()
		}
	})
	return nil
}

func (p *PipeWriter) expireLocked() {
	p.expired = true
	if p.writing {
		p.pw.CloseWithError(os.ErrDeadlineExceeded)
	}
}

// Close ends the stream's sending half (END_STREAM).
func (p *PipeWriter) Close() error { return p.pw.Close() }
