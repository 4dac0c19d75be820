package server

import (
	"log/slog"
	"time"

	"github.com/bronco-ws/bronco/ws/deflate"

	"github.com/bronco-ws/bronco/ws/handshake"
)

// Default values for the zero fields of Options.
const (
	DefaultIdleTimeout      = 60 * time.Second // Cowboy's idle_timeout
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultCloseTimeout     = 5 * time.Second
	DefaultWriteTimeout     = 30 * time.Second
	DefaultMailboxSize      = 1024
	DefaultReadBufferSize   = 16 << 10
	DefaultMaxBackpressure  = 1 << 20
	DefaultMemoryBudget     = 256 << 20
)

// BackpressurePolicy says what a connection does when its client does not read what the
// server sends (Options.OnBackpressure).
type BackpressurePolicy int

const (
	// BackpressureWait stops the connection until its output drains: it reads no frames
	// and delivers no infos (they wait in the mailbox, whose bound makes Pid.Send fail
	// with ErrMailboxFull) while any output waits for the socket, so it holds at most what
	// one callback produced; Options.WriteTimeout ends a client that never drains.
	BackpressureWait BackpressurePolicy = iota
	// BackpressureClose closes the connection as soon as more than Options.MaxBackpressure
	// bytes wait for the socket, as uWebSockets' closeOnBackpressureLimit: the socket is
	// closed without a close frame (none could get through the full pipe) and Terminate
	// gets ReasonError{ErrBackpressure}. It applies where a driver can see how much the
	// socket took without blocking: TCP connections, on either driver. TLS connections
	// and HTTP/2 streams, whose writes cannot be interrupted and resumed, keep
	// BackpressureWait.
	BackpressureClose
	// BackpressureDrop leaves out what the handler sends while more than
	// Options.MaxBackpressure bytes wait for the socket, as uWebSockets does without
	// closeOnBackpressureLimit: a text, binary, ping or pong frame is not sent, whole, and
	// Stats.DroppedFrames counts it; a close frame always goes. The connection goes on
	// taking infos meanwhile, so a broadcast to a client that reads slowly costs it the
	// lines it missed, never a full mailbox: an info that is not a line (a kick, a change
	// of room) still arrives. Its own frames are read once its output drains, as under
	// BackpressureWait, and Options.WriteTimeout ends a client that takes nothing for
	// that long. A frame larger than MaxBackpressure is sent only when nothing waits, so
	// choose a bound above the largest burst a callback makes. Like BackpressureClose, it
	// applies to TCP connections, on either driver; TLS connections and HTTP/2 streams
	// keep BackpressureWait.
	BackpressureDrop
)

// Options configure a Server. They are Cowboy's protocol options: set when the server starts
// and replaceable while it runs with [Server.SetOptions]; new connections get the new options,
// running ones keep theirs. The zero value is a safe configuration.
type Options struct {
	// Compress enables permessage-deflate for clients that offer it (Cowboy's
	// websocket_compress, false by default).
	Compress bool

	// Deflate tunes permessage-deflate when Compress is on: level, threshold, the window
	// sizes and context takeover the server asks for. The zero value accepts every
	// parameter a client may request (RFC 7692 §7.1).
	Deflate deflate.Config

	// IdleTimeout closes a connection on which nothing arrived for this long
	// (0: DefaultIdleTimeout; negative: never).
	IdleTimeout time.Duration

	// MaxFrameSize and MaxMessageSize bound what a client may send (close 1009 beyond);
	// 0 means the ws package defaults (1 MiB, Cowboy's), negative means no limit.
	MaxFrameSize, MaxMessageSize int64

	// SkipUTF8Validation turns off the check of text frames (Cowboy's validate_utf8 => false).
	SkipUTF8Validation bool

	// HandshakeTimeout bounds the reading of the upgrade request on a bare listener
	// (0: DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration

	// CloseTimeout bounds the wait for the client's close frame after the server sent its
	// own (0: DefaultCloseTimeout).
	CloseTimeout time.Duration

	// WriteTimeout bounds each write to the socket, so a client that stops reading cannot
	// hold a connection forever (0: DefaultWriteTimeout; negative: none).
	WriteTimeout time.Duration

	// MaxBackpressure is how many bytes of output may wait for a client that does not read
	// before BackpressureClose closes it or BackpressureDrop leaves frames out; under
	// BackpressureWait, infos stop being delivered beyond it and wait in the mailbox
	// (0: DefaultMaxBackpressure; negative: no bound).
	// Stats.Buffered says how many wait now, across connections.
	MaxBackpressure int

	// OnBackpressure is what a connection does when its client does not read: wait for it
	// (BackpressureWait, the zero value), close it beyond MaxBackpressure, or drop what it
	// would be sent beyond MaxBackpressure.
	OnBackpressure BackpressurePolicy

	// MaxConnections bounds the upgraded connections a Server holds at once (0: no
	// bound). Beyond it a client is refused with 503 and Retry-After, and Stats counts it
	// in RefusedBusy: on a bare listener as soon as it is accepted, before its request is
	// read or anything is allocated for it; on net/http first thing in ServeHTTP.
	// Upgrades in progress are not counted, so the check is made again, exactly, when
	// one completes. The process's descriptor limit (ulimit -n) bounds connections in any
	// case: choose a bound below it, so that the refusal can still be sent.
	MaxConnections int

	// MemoryBudget bounds the bytes that all connections together hold in message
	// buffers: messages being received, assembled or inflated (0: DefaultMemoryBudget,
	// 256 MiB; negative: no bound). Over it, connections growing a message past 64 KiB
	// stop reading until memory is given back, except one at a time, which goes on so
	// that its message completes; the server slows clients down instead of growing.
	// Stats.MessageMemory and Stats.Waiting show it at work.
	MemoryBudget int64

	// MailboxSize bounds the infos waiting for a connection (0: DefaultMailboxSize).
	// When the mailbox is full, Pid.Send returns ErrMailboxFull and drops the info.
	MailboxSize int

	// EventLoops, when positive, drives connections with that many event loops (epoll, on
	// Linux) instead of one goroutine each, on a bare listener and on net/http alike (the
	// hijacked socket goes to a loop). An idle connection then holds no goroutine and no
	// buffer: its cost is its Conn, its engine and its handler. Callbacks run on the
	// loop's goroutine, so they must not block: a callback that waits stalls every
	// connection of its loop. Connections that cannot be polled (TLS, net.Pipe) and every
	// connection on other systems keep a goroutine of their own. 0: a goroutine per
	// connection, where callbacks may block as Cowboy's do. On a bare listener (Serve) the
	// loop also reads the upgrade request and runs InitFunc, which must not block either: an
	// InitFunc that has to wait (a database lookup) belongs on the net/http mount, where it
	// runs on net/http's goroutine. The loops start with the first connection that uses one;
	// SetOptions does not change how many there are.
	EventLoops int

	// ReadBufferSize is the largest buffer a connection reads into (0:
	// DefaultReadBufferSize). A goroutine's buffer starts at 1 KiB and grows and shrinks
	// with its traffic up to this size (Cowboy's dynamic_buffer); an event loop's
	// connections share one buffer of this size. Bigger buffers batch more frames per
	// system call.
	ReadBufferSize int

	// HeaderLimits bound the upgrade request read on a bare listener.
	HeaderLimits handshake.Limits

	// CheckOrigin decides whether a request's Origin may open a connection. nil allows a
	// request without Origin (not a browser) and one whose Origin's host equals Host,
	// which defeats cross-site WebSocket hijacking; anything else gets 403.
	CheckOrigin func(r *handshake.Request) bool

	// Logger receives an error line with the stack for every crashed callback, and a debug
	// line for every refused handshake (nil: slog.Default()).
	Logger *slog.Logger
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// normalized returns o with defaults filled in.
func (o Options) normalized() Options {
	o.IdleTimeout = orDefault(o.IdleTimeout, DefaultIdleTimeout)
	o.HandshakeTimeout = orDefault(o.HandshakeTimeout, DefaultHandshakeTimeout)
	o.CloseTimeout = orDefault(o.CloseTimeout, DefaultCloseTimeout)
	o.WriteTimeout = orDefault(o.WriteTimeout, DefaultWriteTimeout)
	o.MailboxSize = orDefault(o.MailboxSize, DefaultMailboxSize)
	o.ReadBufferSize = max(orDefault(o.ReadBufferSize, DefaultReadBufferSize), 256)
	o.MaxBackpressure = orDefault(o.MaxBackpressure, DefaultMaxBackpressure)
	o.MemoryBudget = orDefault(o.MemoryBudget, DefaultMemoryBudget)
	if o.MaxBackpressure < 0 {
		o.MaxBackpressure = int(^uint(0) >> 1)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CheckOrigin == nil {
		o.CheckOrigin = SameOrigin
	}
	return o
}
