package client

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// CloseError is returned by Conn.ReadMessage once the peer's close frame has arrived.
type CloseError struct {
	Code   frame.CloseCode
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("client: closed by peer: %v %q", e.Code, e.Reason)
}

// Conn is a client connection: a thin blocking driver of a [ws.Engine] over a net.Conn. One
// goroutine reads messages, any goroutine may write. The engine answers pings and the close
// handshake; Conn writes what it queued.
type Conn struct {
	nc   net.Conn
	eng  *ws.Engine
	role frame.Role

	rbuf []byte
	r, w int

	wmu  sync.Mutex
	wbuf []byte

	// CloseTimeout bounds the wait for the peer's close frame in Close.
	CloseTimeout time.Duration

	// ReadTimeout, when positive, bounds each wait for bytes in ReadMessage; WriteTimeout
	// bounds each write. Zero leaves the net.Conn's own deadlines alone.
	ReadTimeout, WriteTimeout time.Duration
}

// newConn runs an engine configured by cfg over nc. buffered holds bytes already read from nc
// after the handshake (they are parsed first). Conn delivers whole messages, so cfg.Stream is
// ignored.
func newConn(nc net.Conn, cfg ws.Config, buffered []byte) *Conn {
	cfg.Stream = false
	c := &Conn{nc: nc, eng: ws.NewEngine(cfg), role: cfg.Role, rbuf: make([]byte, max(4096, len(buffered))), CloseTimeout: 5 * time.Second}
	c.w = copy(c.rbuf, buffered)
	return c
}

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// ReadMessage returns the next text or binary message. The data is valid until the next call.
// Pings are answered and pongs dropped. When the peer closes, ReadMessage answers its close
// frame and returns a *CloseError; a protocol violation makes it send the matching close code
// (frame.CloseCodeOf) and return the violation.
func (c *Conn) ReadMessage() (frame.Opcode, []byte, error) {
	for {
	parse:
		for c.r < c.w {
			ev, err := c.parse()
			if err != nil {
				c.nc.Close()
				return 0, nil, err
			}
			switch ev.Kind {
			case ws.EventMessage:
				return ev.Opcode, ev.Data, nil
			case ws.EventNone:
				break parse // the rest of a frame is still to come
			case ws.EventClose:
				if c.role == frame.RoleServer {
					c.nc.Close() // RFC 6455 §7.1.1: the server closes TCP first
				}
				return 0, nil, &CloseError{Code: ev.Code, Reason: string(ev.Data)}
			}
		}
		if c.r == c.w {
			c.r, c.w = 0, 0
		} else if c.w == len(c.rbuf) {
			c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
			c.r = 0
		}
		if c.ReadTimeout > 0 {
			c.nc.SetReadDeadline(time.Now().Add(c.ReadTimeout))
		}
		n, err := c.nc.Read(c.rbuf[c.w:])
		c.w += n
		if err != nil && n == 0 {
			return 0, nil, err
		}
	}
}

// WriteMessage sends a whole text or binary message as one frame.
func (c *Conn) WriteMessage(op frame.Opcode, data []byte) error {
	return c.write(func(b []byte) []byte { return c.eng.AppendMessage(b, op, data, true) })
}

// Ping sends a ping with up to 125 bytes of data.
func (c *Conn) Ping(data []byte) error {
	var perr error
	err := c.write(func(b []byte) []byte { b, perr = c.eng.AppendPing(b, data); return b })
	return errors.Join(perr, err)
}

// Close starts the close handshake with code and reason, waits up to CloseTimeout for the
// peer's close frame, and closes the connection.
func (c *Conn) Close(code frame.CloseCode, reason string) error {
	var cerr error
	err := c.write(func(b []byte) []byte { b, cerr = c.eng.AppendClose(b, code, reason); return b })
	if cerr == nil && err == nil && !c.eng.CloseReceived() {
		c.nc.SetReadDeadline(time.Now().Add(c.CloseTimeout))
		for {
			_, _, rerr := c.ReadMessage()
			if rerr != nil {
				break
			}
		}
	}
	return errors.Join(cerr, err, c.nc.Close())
}

// parse runs the engine over the buffered bytes and sends the replies it queued (a pong, the
// close echo, the failing close). It holds the write lock: writers use the same engine (its
// masking keys, its compressor, whether our close was sent).
func (c *Conn) parse() (ws.Event, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ev, n, err := c.eng.Parse(c.rbuf[c.r:c.w])
	c.r += n
	c.sendLocked(c.eng.AppendReplies)
	return ev, err
}

// write encodes under the write lock and sends the bytes with one write.
func (c *Conn) write(encode func([]byte) []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.sendLocked(encode)
}

func (c *Conn) sendLocked(encode func([]byte) []byte) error {
	c.wbuf = encode(c.wbuf[:0])
	if len(c.wbuf) == 0 {
		return nil
	}
	if c.WriteTimeout > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(c.WriteTimeout))
	}
	_, err := c.nc.Write(c.wbuf)
	return err
}
