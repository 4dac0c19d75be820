package server

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("server: closed")

// Server runs InitFunc and Handlers for WebSocket connections, mounted on net/http (it is an
// http.Handler) or on a bare net.Listener (Serve). Each connection is one goroutine.
type Server struct {
	init InitFunc
	opts atomic.Pointer[Options]

	mu        sync.Mutex
	conns     map[*Conn]struct{}
	listeners map[net.Listener]struct{}
	closed    bool
	idle      chan struct{} // closed when the last connection ends after Shutdown

	loops    []*loop // event loops, started with the first connection that uses them
	nextLoop int

	bufs    sync.Pool // *bufBox read and write buffers
	readers sync.Pool // *bufio.Reader for handshakes on a bare listener
}

// New returns a Server that upgrades with init and is configured by opts.
func New(init InitFunc, opts Options) *Server {
	s := &Server{init: init, conns: map[*Conn]struct{}{}, listeners: map[net.Listener]struct{}{}}
	s.SetOptions(opts)
	return s
}

// SetOptions replaces the server's options without restarting anything, like Cowboy's
// ranch:set_protocol_options: connections opened from now on get them, running ones keep
// theirs.
func (s *Server) SetOptions(opts Options) {
	o := opts.normalized()
	s.opts.Store(&o)
}

// Options returns the options in force, with their defaults filled in.
func (s *Server) Options() Options { return *s.opts.Load() }

// ServeHTTP upgrades a net/http request. After the upgrade, the connection's loop runs on a
// new goroutine and ServeHTTP returns, so net/http's own goroutine and buffers for the
// connection are released: one goroutine per connection, as on a bare listener.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	opts := s.opts.Load()
	req, err := handshake.FromHTTP(r)
	if err != nil {
		s.refuseHTTP(w, opts, err)
		return
	}
	u, h, err := s.initialize(opts, req, r)
	if err != nil {
		s.refuseHTTP(w, opts, err)
		terminateNormal(h)
		return
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		opts.Logger.Debug("server: hijack failed", "err", err)
		http.Error(w, "connection cannot be upgraded", http.StatusInternalServerError)
		terminateNormal(h)
		return
	}
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	if c := s.upgrade(opts, nc, u, h, buffered); c != nil {
		// The connection runs on a goroutine of its own and this one returns, so that
		// net/http's per-connection state (its bufio buffers, the request) is freed
		// instead of being held for the connection's life. Still one goroutine each.
		go c.run()
	}
}

// Serve accepts connections on l and upgrades them without net/http, through ws/handshake:
// fewer allocations per connection. It returns ErrServerClosed after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	if !s.track(l) {
		return ErrServerClosed
	}
	defer s.untrack(l)
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		go s.serveConn(nc)
	}
}

// serveConn reads and answers the upgrade request of one bare connection.
func (s *Server) serveConn(nc net.Conn) {
	opts := s.opts.Load()
	nc.SetReadDeadline(time.Now().Add(opts.HandshakeTimeout))
	br := s.getReader(nc)
	req, err := handshake.ReadRequest(br, opts.HeaderLimits)
	if err != nil {
		s.readers.Put(br)
		s.refuseRaw(nc, opts, err)
		return
	}
	u, h, err := s.initialize(opts, req, nil)
	if err != nil {
		s.readers.Put(br)
		s.refuseRaw(nc, opts, err)
		terminateNormal(h)
		return
	}
	nc.SetReadDeadline(time.Time{})
	buffered, _ := br.Peek(br.Buffered())
	c := s.upgrade(opts, nc, u, h, buffered)
	br.Reset(nil) // the buffered bytes are copied: the reader goes back before the connection runs
	s.readers.Put(br)
	if c != nil && (c.lp == nil || !c.lp.attach(c)) {
		c.run()
	}
}

// initialize applies the origin policy and runs InitFunc.
func (s *Server) initialize(opts *Options, req *handshake.Request, r *http.Request) (*Upgrade, Handler, error) {
	if !opts.CheckOrigin(req) {
		return nil, nil, Refuse(http.StatusForbidden, "origin not allowed")
	}
	u := &Upgrade{
		Request:            req,
		HTTPRequest:        r,
		Header:             http.Header{},
		Compress:           opts.Compress,
		MaxFrameSize:       opts.MaxFrameSize,
		MaxMessageSize:     opts.MaxMessageSize,
		SkipUTF8Validation: opts.SkipUTF8Validation,
	}
	h, err := s.init(u)
	if err == nil && h == nil {
		err = Refuse(http.StatusBadRequest, "upgrade refused")
	}
	return u, h, err
}

// upgrade prepares the connection: its 101 response waits in the write buffer and the bytes
// the client sent after its request are in the read buffer. It returns nil when the server
// is shutting down.
func (s *Server) upgrade(opts *Options, nc net.Conn, u *Upgrade, h Handler, buffered []byte) *Conn {
	resp := handshake.Response{Protocol: u.protocol, Header: u.Header}
	ext, extResp := negotiate(u, opts)
	if ext != nil {
		resp.Extensions = extResp
	}
	c := &Conn{
		srv:      s,
		nc:       nc,
		h:        h,
		opts:     *opts,
		idle:     orDefault(u.IdleTimeout, opts.IdleTimeout),
		protocol: u.protocol,
		compress: ext != nil,
		active:   true,
		fd:       -1,
	}
	if c.lp = s.loopFor(opts, nc); c.lp == nil {
		c.wakeCh = make(chan struct{}, 1)
	}
	if c.idle < 0 {
		c.idle = 0
	}
	c.hibernate = u.Hibernate
	c.mb.limit = opts.MailboxSize
	c.mb.wake = c.wake
	c.eng.Reset(ws.Config{
		Role:               frame.RoleServer,
		MaxFrameSize:       u.MaxFrameSize,
		MaxMessageSize:     u.MaxMessageSize,
		SkipUTF8Validation: u.SkipUTF8Validation,
		Extension:          ext,
	})
	if !s.add(c) {
		// Shut down while upgrading: refuse rather than start a connection nobody will stop.
		nc.Write(handshake.AppendErrorResponse(nil, http.StatusServiceUnavailable, "server shutting down", nil))
		nc.Close()
		terminateNormal(h)
		return nil
	}
	c.wbuf = handshake.AppendResponse(c.out(), u.Request, resp)
	// A new connection reads into its small array until the client sends something, so
	// connections that stay idle from the start never hold a read buffer.
	c.sleeping = true
	if len(buffered) > 0 {
		c.grab()
		c.w = copy(c.rbuf, buffered)
		if c.w < len(buffered) {
			// More than a read buffer arrived with the request: a flood, not a client.
			c.setReason(ReasonError{Err: ErrBadFrame})
			c.done = true
		}
	}
	return c
}

// refuseHTTP answers a failed upgrade on net/http.
func (s *Server) refuseHTTP(w http.ResponseWriter, opts *Options, err error) {
	status, body, hdr := refusal(err)
	opts.Logger.Debug("server: upgrade refused", "status", status, "err", err)
	for k, v := range hdr {
		w.Header()[k] = v
	}
	if status == http.StatusUpgradeRequired {
		w.Header().Set("Sec-WebSocket-Version", "13")
	}
	http.Error(w, body, status)
}

// refuseRaw answers a failed upgrade on a bare connection and closes it.
func (s *Server) refuseRaw(nc net.Conn, opts *Options, err error) {
	defer nc.Close()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		opts.Logger.Debug("server: handshake timed out", "remote", nc.RemoteAddr())
		return
	}
	status, body, hdr := refusal(err)
	opts.Logger.Debug("server: upgrade refused", "status", status, "err", err)
	nc.SetWriteDeadline(time.Now().Add(opts.HandshakeTimeout))
	nc.Write(handshake.AppendErrorResponse(nil, status, body, hdr))
}

func refusal(err error) (int, string, http.Header) {
	var re *RefusalError
	if errors.As(err, &re) {
		return re.Status, re.Body, re.Header
	}
	var he *handshake.Error
	if errors.As(err, &he) && he.Status != 0 {
		return he.Status, he.Error(), nil
	}
	return http.StatusBadRequest, "bad request", nil
}

func terminateNormal(h Handler) {
	if t, ok := h.(Terminator); ok {
		t.Terminate(ReasonNormal{})
	}
}

// Shutdown stops accepting, sends every connection close 1001, and waits until every
// connection has ended (its terminate called) or ctx is done. Connections still open when ctx
// ends are closed at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	if s.idle == nil {
		s.idle = make(chan struct{})
		if len(s.conns) == 0 {
			close(s.idle)
		}
	}
	idle := s.idle
	s.mu.Unlock()
	for _, c := range conns {
		c.shutdown.Store(true)
		c.wake()
	}
	select {
	case <-idle:
		s.stopLoops()
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.abort()
		}
		<-idle
		s.stopLoops()
		return ctx.Err()
	}
}

// loopFor returns the event loop for a new connection on nc, starting the loops on first
// use, or nil when the connection is to have its own goroutine.
func (s *Server) loopFor(opts *Options, nc net.Conn) *loop {
	if opts.EventLoops <= 0 || !pollable(nc) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loops == nil && !s.closed {
		for range opts.EventLoops {
			lp, err := newLoop(s, opts.ReadBufferSize)
			if err != nil {
				opts.Logger.Error("server: no event loop, one goroutine per connection", "err", err)
				break
			}
			s.loops = append(s.loops, lp)
		}
	}
	if len(s.loops) == 0 {
		return nil
	}
	s.nextLoop++
	return s.loops[s.nextLoop%len(s.loops)]
}

// stopLoops ends the event loops; it is called once every connection has ended.
func (s *Server) stopLoops() {
	s.mu.Lock()
	loops := s.loops
	s.mu.Unlock()
	for _, lp := range loops {
		lp.stop()
	}
}

func (s *Server) add(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) remove(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if s.closed && len(s.conns) == 0 && s.idle != nil {
		select {
		case <-s.idle:
		default:
			close(s.idle)
		}
	}
}

func (s *Server) track(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) untrack(l net.Listener) {
	s.mu.Lock()
	delete(s.listeners, l)
	s.mu.Unlock()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// bufBox holds a pooled buffer. Pooling the holder, not the slice, keeps Put from
// allocating a slice header every time.
type bufBox struct{ b []byte }

// getBuf returns a holder whose buffer has length size.
func (s *Server) getBuf(size int) *bufBox {
	if box, ok := s.bufs.Get().(*bufBox); ok && cap(box.b) >= size {
		box.b = box.b[:size]
		return box
	}
	return &bufBox{b: make([]byte, size)}
}

// putBuf gives back b, which came from box (and may have grown since).
func (s *Server) putBuf(box *bufBox, b []byte) {
	if box == nil || cap(b) > 1<<20 {
		return // never pool what an unusually large reply grew
	}
	box.b = b[:0]
	s.bufs.Put(box)
}

func (s *Server) getReader(nc net.Conn) *bufio.Reader {
	if br, ok := s.readers.Get().(*bufio.Reader); ok {
		br.Reset(nc)
		return br
	}
	return bufio.NewReaderSize(nc, 4096)
}
