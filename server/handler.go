package server

import "github.com/bronco-ws/bronco/ws/frame"

// InitFunc is Cowboy's init/2: it runs on the upgrade request, before any WebSocket frame.
// It may accept the upgrade by returning a Handler, set what [Upgrade] offers (subprotocol,
// response headers, idle timeout, hibernation, per-connection options), or refuse with an
// error made by [Refuse] (any HTTP status and body). A refused upgrade whose Handler is not
// nil still gets Terminate(ReasonNormal{}).
//
// The request is available here only: later callbacks do not see it, as in Cowboy 2.0. It
// runs on net/http's goroutine on that mount, on the connection's goroutine on a bare
// listener, and on the event loop on a bare listener with Options.EventLoops, where it must
// not block.
type InitFunc func(u *Upgrade) (Handler, error)

// Handler is Cowboy's cowboy_websocket behaviour for one connection. Its value is the
// handler state: all callbacks of one connection run one after another on the connection's
// goroutine (Erlang process semantics), so the state needs no locks.
type Handler interface {
	// WebsocketHandle is called for every text, binary, ping and pong frame from the client.
	// Pings are answered with a pong automatically; they arrive here for information.
	// f.Data is valid only until the callback returns.
	WebsocketHandle(c *Conn, f Frame) Result

	// WebsocketInfo is called for every info sent to the connection with [Pid.Send] or a
	// timer started with [Pid.SendAfter].
	WebsocketInfo(c *Conn, info any) Result
}

// WebsocketIniter is implemented by handlers with Cowboy's optional websocket_init/1: it runs
// once the connection is upgraded, on the connection's own goroutine, and may reply at once.
type WebsocketIniter interface {
	WebsocketInit(c *Conn) Result
}

// Terminator is implemented by handlers with Cowboy's optional terminate/3. Terminate is
// called exactly once per accepted Handler, whatever ended the connection.
type Terminator interface {
	Terminate(reason Reason)
}

// Frame is a WebSocket frame as handlers see and send it: Cowboy's
// {text | binary | ping | pong, Data} and close, close with a code, close with a code and
// a reason.
type Frame struct {
	Op   frame.Opcode
	Data []byte          // the payload; for close frames, the reason
	Code frame.CloseCode // close frames only: frame.CloseNoStatus for a bare close

	// Uncompressed sends this text or binary frame without permessage-deflate even when the
	// connection compresses (a per-message {deflate, false}).
	Uncompressed bool

	// Prepared, set by Prepared.Frame, is the message this frame sends, encoded already
	// (Op and Data are its own); nil for every other frame.
	Prepared *Prepared
}

// Text returns a text frame.
func Text(data []byte) Frame { return Frame{Op: frame.OpText, Data: data} }

// Binary returns a binary frame.
func Binary(data []byte) Frame { return Frame{Op: frame.OpBinary, Data: data} }

// Ping returns a ping frame; data must be at most 125 bytes.
func Ping(data []byte) Frame { return Frame{Op: frame.OpPing, Data: data} }

// Pong returns a pong frame; data must be at most 125 bytes.
func Pong(data []byte) Frame { return Frame{Op: frame.OpPong, Data: data} }

// CloseFrame returns a close frame with a code and a reason (Cowboy's {close, Code, Reason}),
// or without either when code is frame.CloseNoStatus (Cowboy's close). The reason may be
// empty and is cut to 123 bytes. Sending it starts the close handshake.
func CloseFrame(code frame.CloseCode, reason string) Frame {
	return Frame{Op: frame.OpClose, Code: code, Data: []byte(reason)}
}

// Result is what a callback returns: Cowboy's {ok, State}, {reply, Frames, State},
// {stop, State}, each optionally with hibernate. Build it with [OK], [Reply] or [Stop].
type Result struct {
	first     Frame
	more      []Frame
	reply     bool
	stop      bool
	hibernate bool
}

// OK continues the connection without sending anything.
func OK() Result { return Result{} }

// Reply sends one frame or more, in order. A close frame starts the close handshake and
// nothing after it in the list is sent. Reply with a single frame does not allocate.
func Reply(f Frame, more ...Frame) Result { return Result{first: f, more: more, reply: true} }

// Stop closes the connection: the server sends close 1000 and terminate sees ReasonStop.
func Stop() Result { return Result{stop: true} }

// Hibernate returns r with the hibernate flag: once the callback returns, the connection
// gives back its buffers until its next event.
func (r Result) Hibernate() Result { r.hibernate = true; return r }
