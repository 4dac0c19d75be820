package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
)

// script is what the fake fuzzing server does in one case: it sends the frames, closes once
// each text and binary one has come back, or, when hang is set, sends them and then neither closes nor answers.
type script struct {
	send []server.Frame
	hang bool
}

// fuzzingServer is a stand-in for wstest -m fuzzingserver built on bronco's server: the
// same three commands, with scripted cases, recording what the client echoed.
type fuzzingServer struct {
	count string         // the /getCaseCount answer
	cases map[int]script // by case number; a case not listed closes at once

	mu      sync.Mutex
	echoed  map[int][]server.Frame // by case number
	agents  []string               // of the cases run, in order
	reports []string               // the agent of each /updateReports
}

// upgrade is the server's InitFunc: the request target picks the command.
func (fs *fuzzingServer) upgrade(u *server.Upgrade) (server.Handler, error) {
	target, err := url.Parse(u.Request.Target)
	if err != nil {
		return nil, server.Refuse(400, err.Error())
	}
	q := target.Query()
	switch target.Path {
	case "/getCaseCount":
		return &scripted{send: []server.Frame{server.Text([]byte(fs.count))}, closeAfter: 0}, nil
	case "/runCase":
		n, err := strconv.Atoi(q.Get("case"))
		if err != nil {
			return nil, server.Refuse(400, "bad case")
		}
		fs.mu.Lock()
		fs.agents = append(fs.agents, q.Get("agent"))
		fs.mu.Unlock()
		sc := fs.cases[n]
		closeAfter := 0 // the data frames sent, which come back; pings do not
		for _, f := range sc.send {
			if f.Op == frame.OpText || f.Op == frame.OpBinary {
				closeAfter++
			}
		}
		if sc.hang {
			closeAfter = -1
		}
		return &scripted{send: sc.send, closeAfter: closeAfter, echo: func(f server.Frame) {
			fs.mu.Lock()
			defer fs.mu.Unlock()
			if fs.echoed == nil {
				fs.echoed = map[int][]server.Frame{}
			}
			fs.echoed[n] = append(fs.echoed[n], f)
		}}, nil
	case "/updateReports":
		fs.mu.Lock()
		fs.reports = append(fs.reports, q.Get("agent"))
		fs.mu.Unlock()
		return &scripted{}, nil
	}
	return nil, server.Refuse(404, "no such command")
}

// scripted sends its frames on upgrade and closes after closeAfter messages have come
// back (at once for 0, never for -1), handing each to echo.
type scripted struct {
	send       []server.Frame
	closeAfter int
	echo       func(server.Frame)
	got        int
}

func (h *scripted) WebsocketInit(*server.Conn) server.Result {
	frames := h.send
	if h.closeAfter == 0 {
		frames = append(frames, server.CloseFrame(frame.CloseNormal, ""))
	}
	if len(frames) == 0 {
		return server.OK()
	}
	return server.Reply(frames[0], frames[1:]...)
}

func (h *scripted) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	if f.Op != frame.OpText && f.Op != frame.OpBinary {
		return server.OK()
	}
	if h.echo != nil {
		h.echo(server.Frame{Op: f.Op, Data: bytes.Clone(f.Data)})
	}
	h.got++
	if h.got == h.closeAfter {
		return server.Reply(server.CloseFrame(frame.CloseNormal, ""))
	}
	return server.OK()
}

func (h *scripted) WebsocketInfo(*server.Conn, any) server.Result { return server.OK() }

// start serves fs on a loopback port until the test ends and returns its ws:// url.
func (fs *fuzzingServer) start(t *testing.T) string {
	t.Helper()
	srv := server.New(fs.upgrade, server.Options{
		Compress: true,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "ws://" + l.Addr().String()
}

func TestSuiteRun(t *testing.T) {
	big := bytes.Repeat([]byte("bronco "), 100_000) // compressed both ways
	tests := []struct {
		name        string
		count       string
		cases       map[int]script
		wantErr     error // nil, errTimedOut, or errAny for any error
		wantEchoed  map[int][]server.Frame
		wantAgents  []string
		wantReports []string
		wantLog     []string // substrings of the log, in order
		// timeout bounds each case: short where a case hangs on purpose, long where the
		// 700 KB message is compressed both ways, which takes hundreds of milliseconds under
		// the race detector on a loaded machine.
		timeout time.Duration
	}{
		{
			name:    "every message comes back with its opcode and the reports are written",
			count:   "3",
			timeout: 10 * time.Second,
			cases: map[int]script{
				1: {send: []server.Frame{server.Text([]byte("hello"))}},
				2: {send: []server.Frame{server.Binary([]byte{0, 1, 2}), server.Text(big), server.Ping([]byte("p"))}},
			},
			wantEchoed: map[int][]server.Frame{
				1: {server.Text([]byte("hello"))},
				2: {server.Binary([]byte{0, 1, 2}), server.Text(big)},
			},
			wantAgents:  []string{"bronco-client", "bronco-client", "bronco-client"},
			wantReports: []string{"bronco-client"},
			wantLog: []string{
				"testee-client: 3 cases at ws://",
				"case 1/3: 1 messages echoed in ",
				"case 2/3: 2 messages echoed in ",
				"case 3/3: 0 messages echoed in ",
				"closed by the server",
			},
		},
		{
			name:    "a hung case is abandoned, the rest still run, the reports are still written",
			count:   "3",
			timeout: 500 * time.Millisecond,
			cases: map[int]script{
				1: {send: []server.Frame{server.Text([]byte("one"))}},
				2: {send: []server.Frame{server.Text([]byte("two"))}, hang: true},
				3: {send: []server.Frame{server.Text([]byte("three"))}},
			},
			wantErr: errTimedOut,
			wantEchoed: map[int][]server.Frame{
				1: {server.Text([]byte("one"))},
				2: {server.Text([]byte("two"))},
				3: {server.Text([]byte("three"))},
			},
			wantAgents:  []string{"bronco-client", "bronco-client", "bronco-client"},
			wantReports: []string{"bronco-client"},
			wantLog:     []string{"case 2/3: 0 messages echoed in ", "timed out after 500ms", "case 3/3: 1 messages echoed in "},
		},
		{
			name:    "a case count that is not a number runs nothing",
			count:   "many",
			timeout: 500 * time.Millisecond,
			wantErr: errAny,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fuzzingServer{count: tt.count, cases: tt.cases}
			s := &suite{
				base:    fs.start(t),
				agent:   "bronco-client",
				timeout: tt.timeout,
				dialer:  client.Dialer{Compress: true, Deflate: deflate.Config{Level: deflate.BestSpeed}},
			}
			var log strings.Builder
			err := s.run(context.Background(), &log)
			switch {
			case tt.wantErr == nil && err != nil,
				tt.wantErr == errAny && err == nil,
				tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Errorf("run: %v, want %v\nlog:\n%s", err, tt.wantErr, &log)
			}
			fs.mu.Lock()
			defer fs.mu.Unlock()
			if diff := cmp.Diff(tt.wantEchoed, fs.echoed, cmp.Comparer(bytes.Equal)); diff != "" {
				t.Errorf("echoed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAgents, fs.agents); diff != "" {
				t.Errorf("cases run for agents (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantReports, fs.reports); diff != "" {
				t.Errorf("reports asked for (-want +got):\n%s", diff)
			}
			rest := log.String()
			for _, want := range tt.wantLog {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("log lacks %q (or has it out of order):\n%s", want, &log)
					break
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

// errAny stands for "some error" in a test table.
var errAny = errors.New("any error")
