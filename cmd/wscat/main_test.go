package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// echo sends text back, pings on "ping me", and closes with 4000 on "bye".
type echo struct{}

func (echo) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	switch {
	case f.Op == frame.OpText && string(f.Data) == "bye":
		return server.Reply(server.CloseFrame(4000, "see you"))
	case f.Op == frame.OpText && string(f.Data) == "ping me":
		return server.Reply(server.Ping([]byte("hi")), server.Text([]byte("pinged")))
	case f.Op == frame.OpText:
		return server.Reply(server.Text(f.Data))
	}
	return server.OK()
}

func (echo) WebsocketInfo(*server.Conn, any) server.Result { return server.OK() }

func serve(t *testing.T) string {
	t.Helper()
	srv := server.New(func(*server.Upgrade) (server.Handler, error) { return echo{}, nil }, server.Options{Compress: true})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return "ws://" + l.Addr().String() + "/"
}

// TestWscat runs the command against bronco's server over loopback, as a person would.
func TestWscat(t *testing.T) {
	url := serve(t)
	tests := []struct {
		name  string
		args  []string
		input string // "" leaves standard input open: the server ends the session
		want  []string
		// unordered: the lines may come in any order (stdin's error and the server's
		// messages are printed by two goroutines)
		unordered bool
	}{
		{"lines echo, end of input closes with 1000", []string{url}, "hello\nworld\n",
			[]string{`connected (subprotocol "", extensions [])`, "< hello", "< world", `closed: 1000 (normal closure) ""`}, false},
		{"compression, and the server's ping shown", []string{"-compress", url}, "ping me\n",
			[]string{`connected (subprotocol "", extensions [{permessage-deflate []}])`, `< ping "hi"`, "< pinged", `closed: 1000 (normal closure) ""`}, false},
		{"a line over the message limit is reported, not dropped", []string{url}, "ok\n" + strings.Repeat("x", ws.DefaultMaxMessageSize+1) + "\n",
			[]string{`connected (subprotocol "", extensions [])`, "stdin: bufio.Scanner: token too long; closing", "< ok", `closed: 1000 (normal closure) ""`}, true},
		{"the server closes", []string{url}, "",
			[]string{`connected (subprotocol "", extensions [])`, `closed by server: 4000 "see you"`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var in io.Reader = strings.NewReader(tt.input)
			if tt.input == "" {
				r, w := io.Pipe()
				t.Cleanup(func() { w.Close() })
				go io.WriteString(w, "bye\n")
				in = r
			}
			var out bytes.Buffer
			if err := run(ctx, tt.args, in, &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got := strings.Split(strings.TrimSpace(out.String()), "\n")
			var opts []cmp.Option
			if tt.unordered {
				opts = append(opts, cmpopts.SortSlices(func(a, b string) bool { return a < b }))
			}
			if diff := cmp.Diff(tt.want, got, opts...); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWscatRefused: a refused upgrade prints its status and the response's headers.
func TestWscatRefused(t *testing.T) {
	srv := server.New(func(*server.Upgrade) (server.Handler, error) {
		return nil, server.Refuse(403, "no")
	}, server.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())
	err = run(context.Background(), []string{"ws://" + l.Addr().String() + "/"}, strings.NewReader(""), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "response headers") {
		t.Errorf("run: %v; want the 403 and the response headers", err)
	}
}
