package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
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
// http.Handler) or on a bare net.Listener (Serve). Each connection is one goroutine, or a
// descriptor in an event loop (Options.EventLoops), on either mount.
type Server struct {
	init InitFunc
	opts atomic.Pointer[Options]

	mu        sync.Mutex
	conns     map[*Conn]struct{}
	listeners map[net.Listener]struct{}
	closed    bool
	shut      chan struct{} // closed by Shutdown
	idle      chan struct{} // closed when the last connection ends after Shutdown

	loops    []*loop // event loops, started with the first connection that uses them
	nextLoop int

	bufs bufPools
	mem  memBudget

	// Counters for Stats.
	live               atomic.Int64
	buffered           atomic.Int64
	refusedBusy        atomic.Uint64
	droppedInfos       atomic.Uint64
	closedBackpressure atomic.Uint64
	droppedFrames      atomic.Uint64

	readers sync.Pool // *bufio.Reader for handshakes on a bare listener
	// reading holds the bare connections whose upgrade request a goroutine is reading
	// (serveConn), for Shutdown to end those reads; guarded by mu.
	reading map[net.Conn]struct{}
}

// New returns a Server that upgrades with init and is configured by opts.
func New(init InitFunc, opts Options) *Server {
	s := &Server{init: init, conns: map[*Conn]struct{}{}, listeners: map[net.Listener]struct{}{},
		shut: make(chan struct{}), reading: map[net.Conn]struct{}{}}
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

// ServeHTTP upgrades a net/http request. After the upgrade the connection belongs to its
// driver (its own goroutine, or an event loop with Options.EventLoops) and ServeHTTP
// returns, so net/http's goroutine and buffers for the connection are released.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	opts := s.opts.Load()
	if err := s.admit(opts); err != nil {
		s.refuseHTTP(w, opts, err)
		return
	}
	req, err := handshake.FromHTTP(r)
	if err != nil {
		if errors.Is(err, handshake.ErrBadMethod) {
			// RFC 9110 §15.5.6: a 405 names the methods the resource takes.
			allow := http.MethodGet
			if r.ProtoMajor == 2 {
				allow = http.MethodConnect // RFC 8441 §4
			}
			w.Header().Set("Allow", allow)
		}
		s.refuseHTTP(w, opts, err)
		return
	}
	remote := remoteAddrOf(r)
	u, h, err := s.initialize(opts, req, r, remote, func(err error) { s.refuseHTTP(w, opts, err) })
	if err != nil {
		s.refuseHTTP(w, opts, err)
		s.terminateRefused(h, remote)
		return
	}
	if r.ProtoMajor == 2 {
		s.serveHTTP2(w, r, opts, u, h)
		return
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		opts.Logger.Error("server: hijack failed", "err", err)
		s.refuseHTTP(w, opts, Refuse(http.StatusInternalServerError, "connection cannot be upgraded"))
		s.terminateRefused(h, remote)
		return
	}
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	if g := s.drive(opts, nc, u, h, buffered); g != nil {
		// net/http's goroutine returns, so that its per-connection state (its bufio
		// buffers, the request) is freed instead of held for the connection's life.
		go g.run()
	}
}

// Serve accepts connections on l and upgrades them without net/http, through ws/handshake:
// fewer allocations per connection. With event loops (Options.EventLoops), the loops read
// the upgrade requests; on a TCP or Unix listener they also accept the connections
// themselves, without the net package's per-connection setup, and Serve notices a closed
// listener within 100 ms. No goroutine is started for an upgrade then. It returns ErrServerClosed after Shutdown, and the
// listener's error once l is closed. Any other accept error (out of descriptors, EMFILE or
// ENFILE; out of buffers; a connection aborted before it was accepted) is waited out: Serve
// retries after 5 ms, doubling to 1 s while the errors last, as net/http does, and logs the
// first error of each burst at warning level and its end at info, so a flood of clients
// that exhausts the process's descriptors cannot stop the server for good.
func (s *Server) Serve(l net.Listener) error {
	if !s.track(l) {
		return ErrServerClosed
	}
	defer s.untrack(l)
	if a := s.newAcceptor(l); a != nil && a.start() == nil {
		return a.serve()
	}
	var backoff time.Duration
	failed := 0
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			if failed == 0 {
				s.opts.Load().Logger.Warn("server: accept failed; retrying with backoff", "err", err)
			}
			failed++
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		if failed > 0 {
			s.opts.Load().Logger.Info("server: accepting again", "failed accepts", failed)
		}
		backoff, failed = 0, 0
		if err := s.admit(s.opts.Load()); err != nil {
			go s.refuseBusy(nc, err)
			continue
		}
		if !s.upgradeOnLoop(nc) {
			go s.serveConn(nc)
		}
	}
}

// serveConn reads and answers the upgrade request of one bare connection.
func (s *Server) serveConn(nc net.Conn) {
	opts := s.opts.Load()
	nc.SetReadDeadline(time.Now().Add(opts.HandshakeTimeout))
	if !s.startReading(nc) {
		nc.Close() // shut down meanwhile
		return
	}
	br := s.getReader(nc)
	req, err := handshake.ReadRequest(br, opts.HeaderLimits)
	s.stopReading(nc)
	if err != nil {
		s.readers.Put(br)
		s.refuseRaw(nc, opts, err)
		return
	}
	remote := nc.RemoteAddr()
	u, h, err := s.initialize(opts, req, nil, remote, func(err error) { s.refuseRaw(nc, opts, err) })
	if err != nil {
		s.readers.Put(br)
		s.refuseRaw(nc, opts, err)
		s.terminateRefused(h, remote)
		return
	}
	nc.SetReadDeadline(time.Time{})
	buffered, _ := br.Peek(br.Buffered())
	g := s.drive(opts, nc, u, h, buffered)
	br.Reset(nil) // the buffered bytes are copied: the reader goes back before the connection runs
	s.readers.Put(br)
	if g != nil {
		g.run()
	}
}

// startReading records that a goroutine reads nc's upgrade request, unless the server is
// shut down.
func (s *Server) startReading(nc net.Conn) bool { return enlist(s, s.reading, nc) }

func (s *Server) stopReading(nc net.Conn) { delist(s, s.reading, nc) }

// enlist adds k to set, one of the server's sets that Shutdown walks, unless the server is
// shut down already.
func enlist[K comparable](s *Server, set map[K]struct{}, k K) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	set[k] = struct{}{}
	return true
}

// delist removes k from set.
func delist[K comparable](s *Server, set map[K]struct{}, k K) {
	s.mu.Lock()
	delete(set, k)
	s.mu.Unlock()
}

// initialize applies the origin policy, runs InitFunc under the crash policy and checks
// what it chose. onExit answers the request when InitFunc ends the goroutine.
func (s *Server) initialize(opts *Options, req *handshake.Request, r *http.Request, remote net.Addr, onExit func(error)) (*Upgrade, Handler, error) {
	u := &Upgrade{
		Request:            req,
		HTTPRequest:        r,
		Header:             http.Header{},
		Compress:           opts.Compress,
		MaxFrameSize:       opts.MaxFrameSize,
		MaxMessageSize:     opts.MaxMessageSize,
		SkipUTF8Validation: opts.SkipUTF8Validation,
	}
	h, err := s.callInit(opts, u, remote, onExit)
	if err == nil && h == nil {
		err = Refuse(http.StatusBadRequest, "upgrade refused")
	}
	if err == nil {
		if err = u.check(); err != nil {
			// The handler chose something the handshake cannot send: its bug, said loudly.
			opts.Logger.Error("server: InitFunc chose an invalid response", "err", err, "remote", addrString(remote))
		}
	}
	return u, h, err
}

// drive hands the connection to its driver: an event loop when the options ask for one and
// the socket can be polled, else a goroutine of its own, which drive returns for the caller
// to run. Its 101 response waits in the output and the bytes the client sent after its
// request (copied) are the first input.
func (s *Server) drive(opts *Options, nc net.Conn, u *Upgrade, h Handler, buffered []byte) *goConn {
	var c *Conn
	var lc *loopConn
	var g *goConn
	if lp := s.loopFor(opts, pollable(nc)); lp != nil {
		lc = newLoopConn(lp, nc)
		c = &lc.Conn
		c.probed = true // its writes never block
	} else {
		g = newGoConn(nc)
		c = &g.Conn
		c.probed = probeable(nc)
	}
	resp, err := s.setup(c, opts, u, h)
	if err != nil {
		// Shut down or full while upgrading: refuse rather than start a connection.
		status, body, hdr := refusal(err)
		nc.Write(handshake.AppendErrorResponse(nil, status, body, hdr))
		nc.Close()
		s.terminateRefused(h, nc.RemoteAddr())
		return nil
	}
	c.setOutput(handshake.AppendResponse(c.output0(), u.Request, resp))
	// At most a bufio.Reader's worth (4 KiB) came with the request.
	if len(buffered) > 0 {
		if lc != nil {
			lc.carry = append(lc.carry, buffered...)
		} else {
			g.size = max(min(minReadBuffer, opts.ReadBufferSize), len(buffered))
			g.grab()
			g.w = copy(g.rbuf, buffered)
		}
	}
	if lc != nil {
		if err := lc.lp.attach(lc, nc); err != nil {
			// Out of descriptors: the connection ends before it began, on this goroutine.
			c.closed(err)
			c.drop()
			c.finish()
			nc.Close()
		}
		return nil
	}
	return g
}

// setup fills in a new connection's process and returns the response that accepts it, or
// the refusal of a server that is shutting down or holds MaxConnections.
func (s *Server) setup(c *Conn, opts *Options, u *Upgrade, h Handler) (handshake.Response, error) {
	ext, extResp := negotiate(u, opts)
	c.srv = s
	c.opts = opts
	c.h = h
	c.protocol = u.protocol
	c.deflated = ext != nil
	c.compress = ext != nil
	c.active = true
	c.hibernate = u.Hibernate
	c.idle = max(orDefault(u.IdleTimeout, opts.IdleTimeout), 0)
	c.mb.owner = c
	c.eng.Reset(ws.Config{
		Role:               frame.RoleServer,
		MaxFrameSize:       u.MaxFrameSize,
		MaxMessageSize:     u.MaxMessageSize,
		SkipUTF8Validation: u.SkipUTF8Validation,
		Codec:              ext,
	})
	if err := s.add(c); err != nil {
		return handshake.Response{}, err
	}
	return handshake.Response{Protocol: u.protocol, Header: u.Header, Extensions: extResp}, nil
}

func remoteAddrOf(r *http.Request) net.Addr { return stringAddr(r.RemoteAddr) }

// stringAddr is a net/http request's RemoteAddr as a net.Addr, for logs.
type stringAddr string

func (a stringAddr) Network() string { return "tcp" }
func (a stringAddr) String() string  { return string(a) }

// refuseHTTP answers a failed upgrade on net/http, and sends it at once: it may be the last
// thing the goroutine does (InitFunc called runtime.Goexit).
func (s *Server) refuseHTTP(w http.ResponseWriter, opts *Options, err error) {
	status, body, hdr := refusal(err)
	opts.Logger.Debug("server: upgrade refused", "status", status, "err", err)
	for k, v := range hdr {
		w.Header()[k] = v
	}
	if status == http.StatusUpgradeRequired {
		w.Header().Set("Sec-WebSocket-Version", "13")
	}
	body += "\n"
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	io.WriteString(w, body)
	http.NewResponseController(w).Flush()
}

// refuseRaw answers a failed upgrade on a bare connection and closes it.
func (s *Server) refuseRaw(nc net.Conn, opts *Options, err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		opts.Logger.Debug("server: handshake timed out", "remote", nc.RemoteAddr())
		nc.Close()
		return
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errTruncated
	}
	status, body, hdr := refusal(err)
	opts.Logger.Debug("server: upgrade refused", "status", status, "err", err)
	answerAndClose(nc, handshake.AppendErrorResponse(nil, status, body, hdr), min(opts.HandshakeTimeout, time.Second))
}

// errTruncated answers a client that ended its side of the connection inside its request.
var errTruncated = Refuse(http.StatusBadRequest, "incomplete upgrade request")

// answerAndClose writes resp, shuts the sending side, and leaves a goroutine to drain what
// the client sent (the rest of a request too large to read, say) for at most timeout before
// the close, so that the close does not reset the connection: a reset can make the client
// lose the response.
func answerAndClose(nc net.Conn, resp []byte, timeout time.Duration) {
	nc.SetDeadline(time.Now().Add(timeout))
	if _, err := nc.Write(resp); err != nil {
		nc.Close()
		return
	}
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	go func() {
		defer nc.Close()
		var drain [512]byte
		for n := 0; n < 64<<10; {
			k, err := nc.Read(drain[:])
			if n += k; err != nil {
				return
			}
		}
	}()
}

func refusal(err error) (int, string, http.Header) {
	var re *RefusalError
	if errors.As(err, &re) {
		return re.Status, re.Body, re.Header
	}
	var ce *CrashError
	if errors.As(err, &ce) {
		return http.StatusInternalServerError, "internal server error", nil
	}
	var he *handshake.Error
	if errors.As(err, &he) && he.Status != 0 {
		return he.Status, he.Error(), nil
	}
	return http.StatusInternalServerError, "internal server error", nil
}

// terminateRefused calls Terminate(ReasonNormal{}) for a handler whose upgrade did not
// happen.
func (s *Server) terminateRefused(h Handler, remote net.Addr) {
	if t, ok := h.(Terminator); ok {
		s.terminate(t, ReasonNormal{}, fixedAddr{remote})
	}
}

// Shutdown stops accepting, lets go unanswered the clients of a bare listener whose upgrade
// request is still arriving, sends every connection close 1001, and waits until every
// connection has ended (its terminate called) or ctx is done. Connections still open when ctx
// ends are closed at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		close(s.shut)
	}
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	// A request still arriving will not be served: its read ends now, and the client is
	// let go unanswered, as after HandshakeTimeout; the event loops drop theirs.
	for nc := range s.reading {
		nc.SetReadDeadline(time.Now())
	}
	for _, lp := range s.loops {
		lp.shutdown()
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
		c.drv.wake()
	}
	select {
	case <-idle:
		s.stopLoops()
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.drv.abort()
		}
		<-idle
		s.stopLoops()
		return ctx.Err()
	}
}

// loopFor returns the event loop for a new connection, whose socket an event loop can
// poll or not, starting the loops on first use, or nil when the connection is to have its
// own goroutine.
func (s *Server) loopFor(opts *Options, pollable bool) *loop {
	if opts.EventLoops <= 0 || !pollable {
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

// errShuttingDown refuses an upgrade that completes after Shutdown began.
var errShuttingDown = Refuse(http.StatusServiceUnavailable, "server shutting down")

// errBusy refuses a connection beyond Options.MaxConnections.
var errBusy = &RefusalError{Status: http.StatusServiceUnavailable, Body: "server busy",
	Header: http.Header{"Retry-After": {"1"}}}

// admit checks a new client against MaxConnections before anything is read or allocated
// for it. Upgrades in progress are not counted, so a burst can get past it: add holds the
// bound exactly, once the upgrade is read.
func (s *Server) admit(opts *Options) error {
	if opts.MaxConnections > 0 && s.live.Load() >= int64(opts.MaxConnections) {
		s.refusedBusy.Add(1)
		return errBusy
	}
	return nil
}

// refuseBusy answers 503 to a client of the bare listener that admit refused, without
// reading its request.
func (s *Server) refuseBusy(nc net.Conn, err error) {
	status, body, hdr := refusal(err)
	answerAndClose(nc, handshake.AppendErrorResponse(nil, status, body, hdr), time.Second)
}

func (s *Server) add(c *Conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errShuttingDown
	}
	if m := c.opts.MaxConnections; m > 0 && len(s.conns) >= m {
		s.refusedBusy.Add(1)
		return errBusy
	}
	s.conns[c] = struct{}{}
	s.live.Add(1)
	return nil
}

func (s *Server) remove(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; ok {
		s.live.Add(-1)
	}
	delete(s.conns, c)
	if s.closed && len(s.conns) == 0 && s.idle != nil {
		select {
		case <-s.idle:
		default:
			close(s.idle)
		}
	}
}

func (s *Server) track(l net.Listener) bool { return enlist(s, s.listeners, l) }

func (s *Server) untrack(l net.Listener) { delist(s, s.listeners, l) }

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) getReader(r io.Reader) *bufio.Reader {
	if br, ok := s.readers.Get().(*bufio.Reader); ok {
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, 4096)
}
