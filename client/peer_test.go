package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// TestPeerVisible: what the server does is visible to the client: its pings (OnPing, after
// the engine answered them), its pongs (OnPong, and Ping's round trip), and its close frame
// (returned by Read, and by Close, whoever closed first).
func TestPeerVisible(t *testing.T) {
	ts := newEcho(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	var mu sync.Mutex
	var pings, pongs []string
	d := client.Dialer{
		OnPing: func(p []byte) { mu.Lock(); pings = append(pings, string(p)); mu.Unlock() },
		OnPong: func(p []byte) { mu.Lock(); pongs = append(pongs, string(p)); mu.Unlock() },
	}
	c, _, err := d.Dial(ctx, wsURL(ts, "/"))
	if err != nil {
		t.Fatal(err)
	}
	if got := roundTrip(t, c, "ping me"); got != "pinged" {
		t.Fatalf("got %q; want pinged", got)
	}

	// Ping waits for its pong, which a concurrent read delivers.
	read := make(chan error, 1)
	go func() { _, _, err := c.Read(ctx); read <- err }()
	rtt, err := c.Ping(ctx)
	if err != nil || rtt <= 0 {
		t.Errorf("Ping: %v, %v; want a positive round trip", rtt, err)
	}
	if err := c.WritePing(ctx, []byte("mine")); err != nil {
		t.Fatal(err)
	}
	// The server closes: the concurrent read returns its close, and so does Close.
	if err := c.Write(ctx, frame.OpText, []byte("close 4000")); err != nil {
		t.Fatal(err)
	}
	want := &client.CloseError{Code: 4000, Reason: "bye"}
	var ce *client.CloseError
	if err := <-read; !errors.As(err, &ce) || *ce != *want {
		t.Errorf("Read: %v; want %v", err, want)
	}
	peer, err := c.Close(frame.CloseNormal, "")
	if err != nil || peer == nil || *peer != *want {
		t.Errorf("Close: %v, %v; want %v", peer, err, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"from server"}, pings); diff != "" {
		t.Errorf("OnPing (-want +got):\n%s", diff)
	}
	if len(pongs) != 2 || pongs[1] != "mine" {
		t.Errorf("OnPong saw %q; want Ping's pong, then \"mine\"", pongs)
	}
}

// TestCloseReturnsPeerCode: when the client closes first, Close returns the server's answer,
// which echoes the code (RFC 6455 §5.5.1).
func TestCloseReturnsPeerCode(t *testing.T) {
	ts := newEcho(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, code := range []frame.CloseCode{frame.CloseNormal, frame.CloseGoingAway, 4321, frame.CloseNoStatus} {
		c, _, err := (&client.Dialer{}).Dial(ctx, wsURL(ts, "/"))
		if err != nil {
			t.Fatal(err)
		}
		peer, err := c.Close(code, "")
		if err != nil || peer == nil || peer.Code != code {
			t.Errorf("Close(%v): %v, %v; want the server's echo of %v", code, peer, err, code)
		}
	}
}
