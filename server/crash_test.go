package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// crashLog is a slog.Handler that hands every record to the test.
type crashLog chan slog.Record

func (crashLog) Enabled(context.Context, slog.Level) bool { return true }
func (l crashLog) Handle(_ context.Context, r slog.Record) error {
	select {
	case l <- r:
	default:
	}
	return nil
}
func (l crashLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l crashLog) WithGroup(string) slog.Handler      { return l }

// crashRecord waits for the first error record and returns its message and attributes.
func (l crashLog) crashRecord(t *testing.T) map[string]string {
	t.Helper()
	for {
		select {
		case r := <-l:
			if r.Level < slog.LevelError {
				continue
			}
			got := map[string]string{"msg": r.Message}
			r.Attrs(func(a slog.Attr) bool {
				got[a.Key] = a.Value.String()
				return true
			})
			return got
		case <-t.Context().Done():
			t.Fatal("nothing logged")
		}
	}
}

// checkCrashLog checks that a crash of cb was logged at error level with value and stack.
func checkCrashLog(t *testing.T, rec map[string]string, cb, value string) {
	t.Helper()
	got := map[string]string{"msg": rec["msg"], "callback": rec["callback"], "panic": rec["panic"]}
	want := map[string]string{"msg": "server: handler crashed", "callback": cb, "panic": value}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("crash log (-want +got):\n%s", diff)
	}
	if !strings.Contains(rec["stack"], "goroutine ") {
		t.Errorf("crash log without a stack: %q", rec["stack"])
	}
}

// firstThen is an InitFunc that gives the first connection h (and err) and every later one
// an echo handler, to see that the server goes on after the first one crashed.
func firstThen(h Handler, err error) InitFunc {
	first := true // InitFunc calls are sequential in these tests: one client at a time
	return func(*Upgrade) (Handler, error) {
		if first {
			first = false
			return h, err
		}
		return newHandler(), nil
	}
}

// crashes are the two ways a callback can die: Erlang's error and exit classes.
var crashes = []struct {
	name  string
	crash func()
	value any
}{
	{"panic", func() { panic("boom") }, "boom"},
	{"Goexit", runtime.Goexit, ErrGoexit},
}

// stillServing checks that the server still upgrades and echoes: a crash ended only its
// own connection, and its event loop goes on.
func stillServing(t *testing.T, addr string) {
	t.Helper()
	c := dial(t, addr)
	if err := c.Write(context.Background(), frame.OpText, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, c); got != "still here" {
		t.Errorf("after the crash, echo %q", got)
	}
}

// TestCallbackCrash: a callback that panics or calls runtime.Goexit closes its connection
// with 1011 (RFC 6455 §7.4.1), Terminate sees ReasonCrash, the crash is logged with its stack,
// and the server, event loop included, goes on.
func TestCallbackCrash(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		for _, cb := range []callback{cbWebsocketInit, cbWebsocketHandle, cbWebsocketInfo} {
			for _, cr := range crashes {
				t.Run(cb.String()+"/"+cr.name, func(t *testing.T) {
					logs := make(crashLog, 16)
					crashing := newHandler()
					crashing.init = func(c *Conn) Result {
						switch cb {
						case cbWebsocketInit:
							cr.crash()
						case cbWebsocketInfo:
							c.Self().Send("crash")
						}
						return OK()
					}
					crashing.handle = func(_ *Conn, f Frame) Result {
						if cb == cbWebsocketHandle {
							cr.crash()
						}
						return OK()
					}
					crashing.info = func(*Conn, any) Result { cr.crash(); return OK() }
					_, addr := start(t, st, firstThen(crashing, nil), Options{Logger: slog.New(logs)})
					c := dial(t, addr)
					c.Write(context.Background(), frame.OpText, []byte("crash"))
					if got := readClose(t, c); got != frame.CloseInternalError {
						t.Errorf("close code %v; want 1011", got)
					}
					c.Close(frame.CloseNormal, "")
					got := reasonOf(t, crashing)
					if cr, ok := got.(ReasonCrash); ok && len(cr.Stack) > 0 {
						got = ReasonCrash{Value: cr.Value}
					}
					if diff := cmp.Diff(Reason(ReasonCrash{Value: cr.value}), got, cmp.Comparer(sameError)); diff != "" {
						t.Errorf("terminate reason (-want +got):\n%s", diff)
					}
					checkCrashLog(t, logs.crashRecord(t), cb.String(), slog.AnyValue(cr.value).String())
					stillServing(t, addr)
				})
			}
		}
	})
}

func sameError(a, b error) bool { return errors.Is(a, b) }

// TestUpgradeCrash: an InitFunc or a CheckOrigin that panics or calls runtime.Goexit gets
// the client a 500, is logged with its stack, and the server goes on. There is no
// Terminate: no handler exists yet.
func TestUpgradeCrash(t *testing.T) {
	// crashOnce returns a function that crashes the first time it is called.
	crashOnce := func(crash func()) func() {
		first := true // upgrades are sequential in this test: one client at a time
		return func() {
			if first {
				first = false
				crash()
			}
		}
	}
	callbacks := []struct {
		name string
		opts func(crash func()) (InitFunc, Options)
	}{
		{"InitFunc", func(crash func()) (InitFunc, Options) {
			return func(*Upgrade) (Handler, error) { crash(); return newHandler(), nil }, Options{}
		}},
		{"CheckOrigin", func(crash func()) (InitFunc, Options) {
			return func(*Upgrade) (Handler, error) { return newHandler(), nil },
				Options{CheckOrigin: func(*handshake.Request) bool { crash(); return true }}
		}},
	}
	each(t, func(t *testing.T, st setup) {
		for _, cb := range callbacks {
			for _, cr := range crashes {
				t.Run(cb.name+"/"+cr.name, func(t *testing.T) {
					logs := make(crashLog, 16)
					init, opts := cb.opts(crashOnce(cr.crash))
					opts.Logger = slog.New(logs)
					_, addr := start(t, st, init, opts)
					status, _ := rawRequest(t, addr, upgradeRequest())
					if want := "HTTP/1.1 500 Internal Server Error"; status != want {
						t.Errorf("status %q; want %q", status, want)
					}
					checkCrashLog(t, logs.crashRecord(t), cb.name, slog.AnyValue(cr.value).String())
					stillServing(t, addr)
				})
			}
		}
	})
}

// crashingTerminator is a handler whose Terminate crashes after reporting that it ran.
type crashingTerminator struct {
	*funcHandler
	crash func()
}

func (h crashingTerminator) Terminate(r Reason) {
	h.funcHandler.Terminate(r)
	h.crash()
}

// TestTerminateCrash: a Terminate that panics or calls runtime.Goexit, after a refused
// upgrade or after a connection, is logged and goes no further: the refusal still reaches
// the client, and the server goes on and shuts down in time.
func TestTerminateCrash(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		for _, cr := range crashes {
			t.Run("refused/"+cr.name, func(t *testing.T) {
				logs := make(crashLog, 16)
				h := crashingTerminator{newHandler(), cr.crash}
				_, addr := start(t, st, firstThen(h, Refuse(http.StatusTeapot, "no")), Options{Logger: slog.New(logs)})
				status, _ := rawRequest(t, addr, upgradeRequest())
				if want := "HTTP/1.1 418 I'm a teapot"; status != want {
					t.Errorf("status %q; want %q", status, want)
				}
				if diff := cmp.Diff(Reason(ReasonNormal{}), reasonOf(t, h.funcHandler)); diff != "" {
					t.Errorf("terminate reason (-want +got):\n%s", diff)
				}
				checkCrashLog(t, logs.crashRecord(t), "Terminate", slog.AnyValue(cr.value).String())
				stillServing(t, addr)
			})
			t.Run("connected/"+cr.name, func(t *testing.T) {
				logs := make(crashLog, 16)
				h := crashingTerminator{newHandler(), cr.crash}
				_, addr := start(t, st, firstThen(h, nil), Options{Logger: slog.New(logs)})
				c := dial(t, addr)
				c.Close(frame.CloseNormal, "")
				if diff := cmp.Diff(Reason(ReasonRemote{Code: frame.CloseNormal}), reasonOf(t, h.funcHandler)); diff != "" {
					t.Errorf("terminate reason (-want +got):\n%s", diff)
				}
				checkCrashLog(t, logs.crashRecord(t), "Terminate", slog.AnyValue(cr.value).String())
				stillServing(t, addr)
			})
		}
	})
}

// TestInvalidReply: a handler that replies with a close code that may not be sent (RFC 6455
// §7.4.1: 1005, 1006, 1015 and codes below 1000 are never sent) or an oversized control
// frame gets its connection closed with 1011 and ReasonCrash wrapping a *ReplyError, never
// a silent hang.
func TestInvalidReply(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		for _, f := range []Frame{CloseFrame(999, "x"), CloseFrame(frame.CloseAbnormal, ""), CloseFrame(frame.CloseTLSHandshake, ""), Ping(make([]byte, 126)), {Op: 0x3}} {
			t.Run(frameName(f), func(t *testing.T) {
				h := newHandler()
				h.handle = func(*Conn, Frame) Result { return Reply(f) }
				c := dial(t, startHandler(t, st, h, Options{}))
				c.Write(context.Background(), frame.OpText, []byte("go"))
				if got := readClose(t, c); got != frame.CloseInternalError {
					t.Errorf("close code %v; want 1011", got)
				}
				c.Close(frame.CloseNormal, "")
				cr, ok := reasonOf(t, h).(ReasonCrash)
				var re *ReplyError
				if !ok || !errors.As(cr.Value.(error), &re) {
					t.Fatalf("terminate reason %v; want ReasonCrash with a *ReplyError", cr)
				}
			})
		}
	})
}

func frameName(f Frame) string {
	if f.Op == frame.OpClose {
		return "close " + f.Code.String()
	}
	return f.Op.String()
}
