package main

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// openRoom serves a room on net/http, with the command's options, for the test's life and
// returns a function that joins it: it dials, offering permessage-deflate or not, and reads
// the greeting.
func openRoom(t *testing.T) func(compress ...bool) *client.Conn {
	t.Helper()
	r := &room{members: map[*member]server.Pid{}}
	srv := server.New(func(*server.Upgrade) (server.Handler, error) { return &member{room: r}, nil }, options)
	ts := httptest.NewServer(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(func() { srv.Shutdown(ctx); ts.Close(); cancel() })
	return func(compress ...bool) *client.Conn {
		t.Helper()
		d := client.Dialer{Compress: len(compress) > 0 && compress[0]}
		c, res, err := d.Dial(ctx, strings.Replace(ts.URL, "http", "ws", 1))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(res.Extensions) > 0; got != d.Compress {
			t.Fatalf("permessage-deflate agreed: %v; offered: %v", got, d.Compress)
		}
		c.NetConn().SetDeadline(time.Now().Add(5 * time.Second))
		if _, m, err := c.Read(context.Background()); err != nil || string(m) != "welcome" {
			t.Fatalf("greeting %q, %v", m, err)
		}
		return c
	}
}

// TestBroadcast: a line sent by one member reaches every member, through infos, prepared
// once: to members that compress and members that do not.
func TestBroadcast(t *testing.T) {
	join := openRoom(t)
	var cs []*client.Conn
	for i := range 3 {
		cs = append(cs, join(i != 1))
	}
	cs[0].Write(context.Background(), frame.OpText, []byte("hello room"))
	for i, c := range cs {
		if _, m, err := c.Read(context.Background()); err != nil || string(m) != "hello room" {
			t.Errorf("member %d got %q, %v", i, m, err)
		}
	}
	for _, c := range cs {
		c.Close(frame.CloseNormal, "")
	}
}

// TestFlood: a member that sends more than its burst is closed with a policy violation
// (1008), and no line over the budget is relayed. (Lines within the budget may be dropped
// too: the close ends the connection before its mailbox has run.)
func TestFlood(t *testing.T) {
	c := openRoom(t)()
	// Twice the burst: even a slow machine cannot earn back burstLines lines in the time it
	// takes to write them, unless it takes burstLines*refill (4 s) to do so.
	for range 2 * burstLines {
		c.Write(context.Background(), frame.OpText, []byte("spam"))
	}
	relayed := 0
	for {
		_, m, err := c.Read(context.Background())
		var ce *client.CloseError
		if errors.As(err, &ce) {
			if ce.Code != frame.ClosePolicyViolation || ce.Reason != errFlood.Error() {
				t.Errorf("closed with %v %q; want 1008 %q", ce.Code, ce.Reason, errFlood.Error())
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(m) == "spam" {
			relayed++
		}
	}
	if relayed > burstLines {
		t.Errorf("relayed %d lines back; want at most the burst, %d", relayed, burstLines)
	}
}

// TestTake: the budget is a token bucket, table-driven with explicit times.
func TestTake(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name  string
		sends []time.Duration // offsets from t0
		want  []bool
	}{
		{"a burst passes", repeat(0, burstLines), repeatBool(true, burstLines)},
		{"one over the burst fails", repeat(0, burstLines+1), append(repeatBool(true, burstLines), false)},
		{"a refill earns one more", append(repeat(0, burstLines+1), refill), append(append(repeatBool(true, burstLines), false), true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m member
			var got []bool
			for _, d := range tt.sends {
				got = append(got, m.take(t0.Add(d)))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("take (-want +got):\n%s", diff)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func repeatBool(b bool, n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = b
	}
	return out
}
