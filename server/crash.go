package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"

	"github.com/bronco-ws/bronco/ws/frame"
)

// The crash policy, one place for every callback: a callback that panics, or that ends its
// goroutine with runtime.Goexit (Erlang's exit class; t.FailNow in a test does it), is logged
// through Options.Logger at error level with its stack and ends only its own connection:
// 1011 and ReasonCrash once upgraded, 500 from InitFunc, nothing more from Terminate. No
// callback can stop an event loop, leak a goroutine or hold up Shutdown.

// callback names a user callback, for crash logs.
type callback uint8

const (
	cbInit callback = iota
	cbWebsocketInit
	cbWebsocketHandle
	cbWebsocketInfo
	cbTerminate
	cbReply
	cbCheckOrigin
)

func (cb callback) String() string {
	return [...]string{"InitFunc", "WebsocketInit", "WebsocketHandle", "WebsocketInfo", "Terminate", "reply", "CheckOrigin"}[cb]
}

// ErrGoexit is the crash value of a callback that called runtime.Goexit.
var ErrGoexit = errors.New("server: callback called runtime.Goexit")

// ErrConnEnded is the cause of a connection's Context when it ended without a crash or a
// shutdown reason.
var ErrConnEnded = errors.New("server: connection ended")

// CrashError is a crash as an error: the cause of a crashed connection's Context, and what
// ServeHTTP logs for a crashed InitFunc.
type CrashError struct {
	Value any    // the value passed to panic, or ErrGoexit
	Stack []byte // the goroutine's stack at the crash
}

func (e *CrashError) Error() string { return fmt.Sprintf("server: handler crashed: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *CrashError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// ReplyError is the crash value of a handler that replied with a frame that cannot be sent:
// a close code that may not be sent (RFC 6455 §7.4.1: 1005, 1006, 1015, below 1000, …), a
// control payload over 125 bytes, an opcode that is not a frame type. The connection closes
// with 1011 instead of sending nothing or something wrong.
type ReplyError struct {
	Frame Frame
	Err   error
}

func (e *ReplyError) Error() string {
	if e.Frame.Op == frame.OpClose {
		return fmt.Sprintf("server: reply with close code %d: %v", e.Frame.Code, e.Err)
	}
	return fmt.Sprintf("server: reply with a %v frame: %v", e.Frame.Op, e.Err)
}

func (e *ReplyError) Unwrap() error { return e.Err }

// recoverCrash turns what recover returned in a deferred call, after its callback did not
// return, into a crash value and stack: nil there means runtime.Goexit.
func recoverCrash(v any) (any, []byte) {
	if v == nil {
		v = ErrGoexit
	}
	return v, debug.Stack()
}

// addresser gives the client's address, made only when a crash is logged: an event loop's
// connection keeps it in a form that costs no heap.
type addresser interface{ remoteAddr() net.Addr }

// fixedAddr is the addresser of a handler whose upgrade did not happen.
type fixedAddr struct{ addr net.Addr }

func (f fixedAddr) remoteAddr() net.Addr { return f.addr }

// terminate calls Terminate with reason under the crash policy: a crash is logged and goes
// no further.
func (s *Server) terminate(t Terminator, reason Reason, remote addresser) {
	returned := false
	defer func() {
		if !returned {
			v, stack := recoverCrash(recover())
			s.opts.Load().Logger.Error("server: handler crashed", "callback", cbTerminate.String(),
				"panic", v, "reason", reason.String(), "remote", addrString(remote.remoteAddr()), "stack", string(stack))
		}
	}()
	t.Terminate(reason)
	returned = true
}

// callInit runs the origin policy and InitFunc under the crash policy: a crash is logged and
// becomes a *CrashError, which the caller answers with 500.
func (s *Server) callInit(opts *Options, u *Upgrade, remote net.Addr, onExit func(error)) (h Handler, err error) {
	returned := false
	cb := cbCheckOrigin
	defer func() {
		if returned {
			return
		}
		v, stack := recoverCrash(recover())
		opts.Logger.Error("server: handler crashed", "callback", cb.String(), "panic", v,
			"remote", addrString(remote), "stack", string(stack))
		h, err = nil, &CrashError{Value: v, Stack: stack}
		if v == ErrGoexit {
			// The goroutine is ending and the caller will not see this return: answer now.
			onExit(err)
		}
	}()
	if opts.CheckOrigin(u.Request) {
		cb = cbInit
		h, err = s.init(u)
	} else {
		err = Refuse(http.StatusForbidden, "origin not allowed")
	}
	returned = true
	return h, err
}

// unwound handles what a driver's deferred code recovered when the process did not return
// to it: nil after runtime.Goexit in a callback (already handled as a crash by call), or a
// panic from this package itself, a bug, which ends the connection as a crash too.
func (c *Conn) unwound(v any) {
	if v == nil {
		return
	}
	stack := debug.Stack()
	c.opts.Logger.Error("server: connection failed", "panic", v, "stack", string(stack))
	c.setReason(ReasonCrash{Value: v, Stack: stack})
	c.drop()
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// connContext is a connection's Context, made only for connections that ask for it.
type connContext struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	reason error // SetShutdownReason's
}

func newConnContext() *connContext {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &connContext{ctx: ctx, cancel: cancel}
}
