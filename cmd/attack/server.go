//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// childConfig is what the parent tells the child on its command line.
type childConfig struct {
	setup     setup
	idle      time.Duration // Options.IdleTimeout
	handshake time.Duration // Options.HandshakeTimeout
	childOverrides
}

// childOverrides is what an attack may ask of a child of its own, beyond the options every
// row runs with; the zero value asks for nothing, and the attack shares the setup's child.
type childOverrides struct {
	nofile       uint64 // RLIMIT_NOFILE to lower to, 0 to keep
	maxConns     int    // Options.MaxConnections, 0 for none
	backpressure int    // > 0: Options.OnBackpressure BackpressureClose with this MaxBackpressure
}

// isZero reports whether the overrides ask for nothing.
func (o childOverrides) isZero() bool { return o == childOverrides{} }

// args is the overrides as the child's command-line flags.
func (o childOverrides) args() []string {
	var args []string
	if o.nofile > 0 {
		args = append(args, "-nofile", strconv.FormatUint(o.nofile, 10))
	}
	if o.maxConns > 0 {
		args = append(args, "-maxconns", strconv.Itoa(o.maxConns))
	}
	if o.backpressure > 0 {
		args = append(args, "-backpressure", "close:"+strconv.Itoa(o.backpressure))
	}
	return args
}

// parseBackpressure reads the -backpressure flag: "" or "wait" for BackpressureWait (0),
// "close:BYTES" for BackpressureClose with MaxBackpressure BYTES.
func parseBackpressure(v string) (int, error) {
	if v == "" || v == "wait" {
		return 0, nil
	}
	if n, ok := strings.CutPrefix(v, "close:"); ok {
		if b, err := strconv.Atoi(n); err == nil && b > 0 {
			return b, nil
		}
	}
	return 0, fmt.Errorf("-backpressure %q: want wait or close:BYTES", v)
}

// childInfo is the child's first line on stdout: where it listens and the limits in force,
// from which the attacks size themselves (the server's defaults may change under them).
type childInfo struct {
	Addr       string `json:"addr"`
	MaxFrame   int64  `json:"maxFrame"`
	MaxMessage int64  `json:"maxMessage"`
	NoFile     uint64 `json:"nofile"`
	// NoFileSet says the child lowered RLIMIT_NOFILE to NoFile (else it is the parent's).
	NoFileSet bool `json:"nofileSet"`
	// Options are the server.Options the child passed to server.New, as "Name: value" for
	// each field it set (EventLoops aside, which the setup names, and the Logger), so that
	// the table's header says what each row ran against, as the child understood its flags.
	Options []string `json:"options"`
}

// stats is the child's answer to "stats" and "free": its memory and load, as the parent
// samples them during an attack.
type stats struct {
	HeapInuse  uint64           `json:"heapInuse"`
	StackInuse uint64           `json:"stackInuse"`
	RSS        uint64           `json:"rss"` // VmRSS, bytes
	Goroutines int              `json:"goroutines"`
	Conns      int64            `json:"conns"`      // handlers between InitFunc and Terminate
	AcceptErrs int64            `json:"acceptErrs"` // failed Accepts (EMFILE under fd exhaustion)
	ServeErr   string           `json:"serveErr"`   // why Serve returned, "" while it runs
	Reasons    map[string]int64 `json:"reasons"`    // Terminate reasons so far, by kind

	// Server.Stats: the server's own view, beside the handler's count above.
	Connections        int64  `json:"connections"`        // upgraded connections it holds
	Buffered           int64  `json:"buffered"`           // output the sockets did not take
	RefusedBusy        uint64 `json:"refusedBusy"`        // 503s beyond MaxConnections
	ClosedBackpressure uint64 `json:"closedBackpressure"` // non-readers cut off by BackpressureClose
}

// mem is the Go runtime's memory in use: heap spans plus goroutine stacks, which is what the
// server's connections cost, without the runtime's free pages that RSS may still hold.
func (s stats) mem() uint64 { return s.HeapInuse + s.StackInuse }

// counters is the child's bookkeeping shared by the handlers.
type counters struct {
	srv        *server.Server // for Stats, set once it exists
	conns      atomic.Int64
	acceptErrs atomic.Int64
	mu         sync.Mutex
	reasons    map[string]int64
	serveErr   atomic.Value // string
}

// echo is the handler under attack: it sends every text and binary message back as it came,
// the workload of every WebSocket benchmark and the one that exposes both directions.
// With ?repeat=N in the request target it sends each message back N times, so that a
// small request asks for a large output: what a broadcast or a subscription does to a
// client that stops reading, without a second client to publish.
type echo struct {
	c      *counters
	repeat int // copies of each message in the reply, at least 1
}

// maxRepeat bounds ?repeat=: the attacks need 16; a typo must not ask for gigabytes.
const maxRepeat = 1024

// WebsocketHandle echoes text and binary messages, repeat times in one Reply; pings are
// answered by the server itself.
func (e echo) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	if f.Op != frame.OpText && f.Op != frame.OpBinary {
		return server.OK()
	}
	if e.repeat <= 1 {
		return server.Reply(f)
	}
	more := make([]server.Frame, e.repeat-1)
	for i := range more {
		more[i] = f
	}
	return server.Reply(f, more...)
}

// WebsocketInfo ignores infos: nobody sends the echo any.
func (echo) WebsocketInfo(*server.Conn, any) server.Result { return server.OK() }

// Terminate counts the connection out and files its reason, so a row can say how the
// server ended the attacker's connections.
func (e echo) Terminate(r server.Reason) {
	e.c.conns.Add(-1)
	kind := reasonKind(r)
	e.c.mu.Lock()
	e.c.reasons[kind]++
	e.c.mu.Unlock()
}

// reasonKind is a Terminate reason in a word or two: its type, and for protocol errors the
// close code sent.
func reasonKind(r server.Reason) string {
	switch r := r.(type) {
	case server.ReasonNormal:
		return "normal"
	case server.ReasonRemote:
		return "remote"
	case server.ReasonStop:
		return "stop"
	case server.ReasonTimeout:
		return "timeout"
	case server.ReasonCrash:
		return "crash"
	case server.ReasonShutdown:
		return "shutdown"
	case server.ReasonError:
		var k *frame.Kind
		switch {
		case errors.Is(r.Err, server.ErrClosed):
			return "closed"
		case errors.Is(r.Err, server.ErrBackpressure):
			// Before the kind: its kind is ErrPolicy, which would read "error 1008",
			// though no close frame is sent to a client that does not read.
			return "backpressure"
		case errors.As(r.Err, &k):
			return fmt.Sprintf("error %d", frame.CloseCodeOf(r.Err))
		}
		return "socket error"
	}
	return fmt.Sprintf("%T", r)
}

// countingListener counts failed Accepts, so the descriptor attack can show that the server
// met EMFILE and carried on; it changes nothing else (the conns it returns are the
// listener's own, so the event loop still polls them).
type countingListener struct {
	net.Listener
	c *counters
}

// Accept is the listener's, counting failures other than the listener's closing.
func (l countingListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		l.c.acceptErrs.Add(1)
	}
	return nc, err
}

// runChild is the server process: it serves the setup on a fresh loopback port and answers
// the parent's commands on stdin, one JSON line each on stdout:
//
//	stats          memory, goroutines, connections
//	free           two GCs and debug.FreeOSMemory, then stats
//	shutdown D     Server.Shutdown with a D context (then http.Server.Shutdown), then exit
//	quit           exit at once
//
// It exits when stdin closes, so an orphan never outlives its parent.
func runChild(cfg childConfig) {
	log.SetFlags(0)
	log.SetPrefix("child " + cfg.setup.String() + ": ")
	if cfg.nofile > 0 {
		// Before anything opens a descriptor, so that the limit counts them all.
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			log.Fatal(err)
		}
		lim.Cur = cfg.nofile
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			log.Fatal(err)
		}
	}
	// Opened once and re-read with pread: under descriptor exhaustion opening it would fail.
	status, err := os.Open("/proc/self/status")
	if err != nil {
		log.Fatal(err)
	}
	c := &counters{reasons: map[string]int64{}}
	c.serveErr.Store("")
	opts := server.Options{
		Compress:         true,
		IdleTimeout:      cfg.idle,
		HandshakeTimeout: cfg.handshake,
		EventLoops:       cfg.setup.loops(),
		MaxConnections:   cfg.maxConns,
		Logger:           slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if cfg.backpressure > 0 {
		opts.OnBackpressure = server.BackpressureClose
		opts.MaxBackpressure = cfg.backpressure
	}
	srv := server.New(func(u *server.Upgrade) (server.Handler, error) {
		h := echo{c: c, repeat: 1}
		// ?idle=60s: the attacks that hold connections open on purpose (held connections,
		// non-readers, shutdown) outlast the 3 s idle timeout the oversize attack relies on,
		// as Cowboy's {cowboy_websocket, Req, State, Timeout} lets init choose.
		// ?repeat=N: see echo.
		if _, q, ok := strings.Cut(u.Request.Target, "?"); ok {
			for _, kv := range strings.Split(q, "&") {
				if v, ok := strings.CutPrefix(kv, "idle="); ok {
					if d, err := time.ParseDuration(v); err == nil {
						u.IdleTimeout = d
					}
				}
				if v, ok := strings.CutPrefix(kv, "repeat="); ok {
					if n, err := strconv.Atoi(v); err == nil && n >= 1 {
						h.repeat = min(n, maxRepeat)
					}
				}
			}
		}
		c.conns.Add(1)
		return h, nil
	}, opts)
	c.srv = srv
	in := srv.Options()
	// The options as set, not srv.Options(), which fills in the defaults: the header says
	// "the rest default" and names the limits the attacks size themselves by.
	info := childInfo{MaxFrame: limitOf(in.MaxFrameSize, ws.DefaultMaxFrameSize), MaxMessage: limitOf(in.MaxMessageSize, ws.DefaultMaxMessageSize), Options: describeOptions(opts)}
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	info.NoFile = lim.Cur
	info.NoFileSet = cfg.nofile > 0

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	info.Addr = l.Addr().String()
	cl := countingListener{l, c}
	served := make(chan error, 1)
	var hs *http.Server
	if cfg.setup.http {
		hs = &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: 16 << 10}
		go func() { served <- hs.Serve(cl) }()
	} else {
		go func() { served <- srv.Serve(cl) }()
	}
	go func() {
		// Serve returning before a shutdown is a finding (the descriptor attack checks it):
		// keep the process up so that the parent can read why.
		err := <-served
		c.serveErr.Store(err.Error())
		served <- err
	}()

	out := bufio.NewWriter(os.Stdout)
	reply := func(v any) {
		b, _ := json.Marshal(v)
		out.Write(append(b, '\n'))
		out.Flush()
	}
	reply(info)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(sc.Text(), " ")
		switch cmd {
		case "stats":
			reply(c.read(status))
		case "free":
			// Two collections empty sync.Pools (their victim cache survives one), so pooled
			// buffers do not count as a leak; FreeOSMemory hands the pages back for RSS.
			runtime.GC()
			runtime.GC()
			debug.FreeOSMemory()
			reply(c.read(status))
		case "shutdown":
			d, _ := time.ParseDuration(arg)
			os.Exit(shutdown(srv, hs, served, d, reply))
		case "quit":
			os.Exit(0)
		default:
			reply(map[string]string{"error": "unknown command " + cmd})
		}
	}
	os.Exit(1) // the parent is gone
}

// shutdown runs Server.Shutdown with a d context, then ends the net/http server, and
// returns the exit status: 0 when every connection ended in time and Serve returned as
// documented, 3 otherwise.
func shutdown(srv *server.Server, hs *http.Server, served chan error, d time.Duration, reply func(any)) int {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	err := srv.Shutdown(ctx)
	if hs != nil {
		// After Server.Shutdown, as the server package asks: net/http's own Shutdown waits
		// for handlers, and the upgraded connections are no longer net/http's.
		if herr := hs.Shutdown(ctx); err == nil {
			err = herr
		}
	}
	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
		serveErr = errors.New("Serve did not return")
	}
	res := map[string]string{"took": time.Since(start).String()}
	code := 0
	if err != nil {
		res["shutdown"] = err.Error()
		code = 3
	}
	if !errors.Is(serveErr, server.ErrServerClosed) && !errors.Is(serveErr, http.ErrServerClosed) {
		res["serve"] = fmt.Sprint(serveErr)
		code = 3
	}
	reply(res)
	return code
}

// limitOf is the limit in force for an Options field: its value, or the ws default for 0,
// or -1 for no limit.
func limitOf(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

// describeOptions lists the fields of o that differ from the zero Options, as "Name:
// value", the policy before its bound; EventLoops (the setup's column says it) and the
// Logger are left out, and so are Deflate and HeaderLimits, which the child never sets.
func describeOptions(o server.Options) []string {
	var out []string
	add := func(name string, v any) { out = append(out, fmt.Sprintf("%s: %v", name, v)) }
	if o.Compress {
		add("Compress", true)
	}
	if o.IdleTimeout != 0 {
		add("IdleTimeout", o.IdleTimeout)
	}
	if o.MaxFrameSize != 0 {
		add("MaxFrameSize", sizeString(o.MaxFrameSize))
	}
	if o.MaxMessageSize != 0 {
		add("MaxMessageSize", sizeString(o.MaxMessageSize))
	}
	if o.SkipUTF8Validation {
		add("SkipUTF8Validation", true)
	}
	if o.HandshakeTimeout != 0 {
		add("HandshakeTimeout", o.HandshakeTimeout)
	}
	if o.CloseTimeout != 0 {
		add("CloseTimeout", o.CloseTimeout)
	}
	if o.WriteTimeout != 0 {
		add("WriteTimeout", o.WriteTimeout)
	}
	switch o.OnBackpressure {
	case server.BackpressureWait:
	case server.BackpressureClose:
		add("OnBackpressure", "BackpressureClose")
	default:
		add("OnBackpressure", int(o.OnBackpressure))
	}
	if o.MaxBackpressure != 0 {
		add("MaxBackpressure", sizeString(int64(o.MaxBackpressure)))
	}
	if o.MaxConnections != 0 {
		add("MaxConnections", o.MaxConnections)
	}
	if o.MailboxSize != 0 {
		add("MailboxSize", o.MailboxSize)
	}
	if o.ReadBufferSize != 0 {
		add("ReadBufferSize", sizeString(int64(o.ReadBufferSize)))
	}
	if o.CheckOrigin != nil {
		add("CheckOrigin", "set")
	}
	return out
}

// read takes the child's stats now.
func (c *counters) read(status *os.File) stats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := stats{
		HeapInuse:  ms.HeapInuse,
		StackInuse: ms.StackInuse,
		RSS:        vmRSS(status),
		Goroutines: runtime.NumGoroutine(),
		Conns:      c.conns.Load(),
		AcceptErrs: c.acceptErrs.Load(),
		ServeErr:   c.serveErr.Load().(string),
		Reasons:    map[string]int64{},
	}
	if c.srv != nil {
		ss := c.srv.Stats()
		s.Connections, s.Buffered, s.RefusedBusy, s.ClosedBackpressure = ss.Connections, ss.Buffered, ss.RefusedBusy, ss.ClosedBackpressure
	}
	c.mu.Lock()
	for k, v := range c.reasons {
		s.Reasons[k] = v
	}
	c.mu.Unlock()
	return s
}

// vmRSS reads VmRSS from /proc/self/status, in bytes, 0 if it cannot.
func vmRSS(status *os.File) uint64 {
	var buf [4096]byte
	n, _ := status.ReadAt(buf[:], 0)
	for _, line := range strings.Split(string(buf[:n]), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb uint64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}
