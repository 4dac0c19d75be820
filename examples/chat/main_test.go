package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// TestBroadcast: a line sent by one member reaches every member, through infos.
func TestBroadcast(t *testing.T) {
	r := &room{members: map[*member]server.Pid{}}
	srv := server.New(func(*server.Upgrade) (server.Handler, error) { return &member{room: r}, nil }, server.Options{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var cs []*client.Conn
	for range 3 {
		c, _, err := client.Dial(ctx, strings.Replace(ts.URL, "http", "ws", 1), ws.Config{})
		if err != nil {
			t.Fatal(err)
		}
		c.ReadTimeout = 5 * time.Second
		if _, m, err := c.ReadMessage(); err != nil || string(m) != "welcome" {
			t.Fatalf("greeting %q, %v", m, err)
		}
		cs = append(cs, c)
	}
	cs[0].WriteMessage(frame.OpText, []byte("hello room"))
	for i, c := range cs {
		if _, m, err := c.ReadMessage(); err != nil || string(m) != "hello room" {
			t.Errorf("member %d got %q, %v", i, m, err)
		}
	}
	for _, c := range cs {
		c.Close(frame.CloseNormal, "")
	}
	srv.Shutdown(ctx)
}
