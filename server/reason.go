package server

import (
	"errors"
	"fmt"

	"github.com/bronco-ws/bronco/ws/frame"
)

// Reason says why a connection ended; it is the argument of Terminate. It is one of
// ReasonNormal, ReasonRemote, ReasonStop, ReasonTimeout, ReasonCrash, ReasonError and
// ReasonShutdown, so a handler can switch on its type.
type Reason interface {
	isReason()
	String() string
}

// ReasonNormal: the connection closed before the upgrade, for example init refused it.
type ReasonNormal struct{}

// ReasonRemote: the client closed the connection with a close frame. Code is
// frame.CloseNoStatus when the frame had no code (Cowboy's remote), else the code and the
// reason it sent (Cowboy's {remote, Code, Payload}).
type ReasonRemote struct {
	Code    frame.CloseCode
	Payload []byte
}

// ReasonStop: the handler returned Stop or sent a close frame.
type ReasonStop struct{}

// ReasonTimeout: nothing arrived from the client for the idle timeout.
type ReasonTimeout struct{}

// ReasonCrash: a callback panicked. The connection was closed with 1011.
type ReasonCrash struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic
}

// ReasonError: the connection failed. When the client broke the protocol, Err is the error
// the engine found and errors.Is matches its kind: frame.ErrBadFrame (Cowboy's badframe),
// frame.ErrBadEncoding (badencoding: text that is not UTF-8, a payload that does not
// inflate) or frame.ErrBadSize (badsize: over a size limit), and frame.CloseCodeOf(Err) is
// the code the connection was closed with. ErrClosed means the socket closed without a close
// frame (Cowboy's closed); any other value is the socket error itself.
type ReasonError struct {
	Err error
}

// ReasonShutdown: the server shut down (Server.Shutdown) and closed the connection with 1001.
// Cowboy has no such reason; it is here so that every connection still gets its terminate.
type ReasonShutdown struct{}

// ErrClosed is the error of ReasonError when the socket closed without a close frame.
var ErrClosed = errors.New("server: closed: socket closed without a close frame")

// ErrBackpressure is the error of ReasonError when BackpressureClose closed a connection
// whose client did not read: more than Options.MaxBackpressure bytes waited for it. Its
// kind is frame.ErrPolicy (1008), though no close frame can reach such a client.
var ErrBackpressure = frame.NewError(frame.ErrPolicy, "server: client does not read: output over MaxBackpressure")

func (ReasonNormal) isReason()   {}
func (ReasonRemote) isReason()   {}
func (ReasonStop) isReason()     {}
func (ReasonTimeout) isReason()  {}
func (ReasonCrash) isReason()    {}
func (ReasonError) isReason()    {}
func (ReasonShutdown) isReason() {}

func (ReasonNormal) String() string { return "normal" }
func (r ReasonRemote) String() string {
	if r.Code == frame.CloseNoStatus {
		return "remote"
	}
	return fmt.Sprintf("{remote, %d, %q}", r.Code, r.Payload)
}
func (ReasonStop) String() string    { return "stop" }
func (ReasonTimeout) String() string { return "timeout" }
func (r ReasonCrash) String() string { return fmt.Sprintf("{crash, %v}", r.Value) }
func (r ReasonError) String() string {
	if atom := cowboyAtom(r.Err); atom != "" {
		return fmt.Sprintf("{error, %s}: %v", atom, r.Err)
	}
	return fmt.Sprintf("{error, %v}", r.Err)
}

// cowboyAtom names the kind of a protocol error the way Cowboy's terminate reason does
// ({error, badframe} and kin): one kind, one name, as websocket_send_close in
// cowboy_websocket.erl maps one reason to one close code.
func cowboyAtom(err error) string {
	var k *frame.Kind
	if !errors.As(err, &k) {
		return ""
	}
	switch k {
	case frame.ErrBadFrame:
		return "badframe"
	case frame.ErrBadEncoding:
		return "badencoding"
	case frame.ErrBadSize:
		return "badsize"
	case frame.ErrPolicy:
		return "policy"
	case frame.ErrExtension:
		return "extension"
	}
	return ""
}
func (ReasonShutdown) String() string { return "shutdown" }

// Unwrap lets errors.Is see through a ReasonError to its error.
func (r ReasonError) Unwrap() error { return r.Err }

// Error makes ReasonError an error, so errors.Is(reason, ErrClosed) reads naturally.
func (r ReasonError) Error() string { return r.String() }
