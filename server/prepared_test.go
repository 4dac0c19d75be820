package server

import (
	"bytes"
	"context"
	"testing"

	"github.com/bronco-ws/bronco/internal/deflateinspect"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// TestPrepared: a Prepared message reaches every kind of receiver whole, on every setup: a
// plain connection, compressed ones without context takeover at two window sizes, and one
// with context takeover. The message is compressed once per window, not once per
// connection, and each form reaches back no farther than its window (RFC 7692 §7.1.2.1), so
// a receiver that negotiated 2^10 can inflate it with 2^10. After it, each connection's own
// compressed echo of the same bytes inflates too: under context takeover that echo refers
// back into the prepared message, which the server's encoder took into its window as the
// client's decoder did.
func TestPrepared(t *testing.T) {
	// Bytes that repeat only at 3000: a window of 2^10 cannot reach back that far, one of
	// 2^15 can, so the two forms differ.
	line := make([]byte, 3000)
	for i, x := range line {
		x = byte(i*7919>>3) ^ byte(i*31)
		line[i] = 'a' + x%26
	}
	big := Prepare(frame.OpText, bytes.Repeat(line, 30))
	small := Prepare(frame.OpBinary, []byte("tiny"))
	clients := []struct {
		name     string
		compress bool
		cfg      deflate.Config
		wantExt  bool
	}{
		{"plain", false, deflate.Config{}, false},
		{"no context takeover, window 15", true, deflate.Config{ServerNoContextTakeover: true, Threshold: -1}, true},
		{"no context takeover, window 10", true, deflate.Config{ServerNoContextTakeover: true, ServerMaxWindowBits: 10, Threshold: -1}, true},
		{"again window 15", true, deflate.Config{ServerNoContextTakeover: true, Threshold: -1}, true},
		{"context takeover", true, deflate.Config{Threshold: -1}, true},
	}
	each(t, func(t *testing.T, st setup) {
		h := &funcHandler{handle: func(_ *Conn, f Frame) Result {
			if string(f.Data) == "go" {
				return Reply(big.Frame(), small.Frame())
			}
			return Reply(f)
		}}
		addr := startHandler(t, st, h, Options{Compress: true, Deflate: deflate.Config{Threshold: -1}})
		for _, cl := range clients {
			d, url := dialer(addr, "/")
			d.Compress, d.Deflate = cl.compress, cl.cfg
			c, res, err := d.Dial(context.Background(), url)
			if err != nil {
				t.Fatalf("%s: %v", cl.name, err)
			}
			if got := len(res.Extensions) == 1; got != cl.wantExt {
				t.Fatalf("%s: extensions %v", cl.name, res.Extensions)
			}
			echo := func(when string) {
				t.Helper()
				if err := c.Write(context.Background(), frame.OpText, line); err != nil {
					t.Fatal(err)
				}
				if _, got, err := c.Read(context.Background()); err != nil || !bytes.Equal(got, line) {
					t.Errorf("%s: the echo %s the prepared message: %d bytes, %v", cl.name, when, len(got), err)
				}
			}
			// Under context takeover the echo after the prepared message refers back into
			// it, or into this one if the server's window missed the prepared message.
			echo("before")
			if err := c.Write(context.Background(), frame.OpText, []byte("go")); err != nil {
				t.Fatal(err)
			}
			for _, want := range []*Prepared{big, small} {
				op, got, err := c.Read(context.Background())
				if err != nil {
					t.Fatalf("%s: %v", cl.name, err)
				}
				if op != want.op || !bytes.Equal(got, want.data) {
					t.Errorf("%s: got %v of %d bytes; want %v of %d", cl.name, op, len(got), want.op, len(want.data))
				}
			}
			echo("after")
			c.NetConn().Close()
		}
	})
	big.mu.Lock()
	defer big.mu.Unlock()
	var forms []deflate.Shared
	for _, f := range big.forms {
		forms = append(forms, f.form)
	}
	want := []deflate.Shared{{WindowBits: 15}, {WindowBits: 10}}
	if diff := cmp.Diff(want, forms); diff != "" {
		t.Errorf("compressed forms over %d setups (-want +got):\n%s", len(setups), diff)
	}
	for _, f := range big.forms {
		h, hn, err := frame.ParseHeader(f.frame)
		if err != nil || hn == 0 || h.Rsv != frame.RSV1 {
			t.Fatalf("form %+v: header %+v, %v", f.form, h, err)
		}
		rep, err := deflateinspect.Inspect(f.frame[hn:], nil)
		if err != nil || !bytes.Equal(rep.Out, big.data) {
			t.Errorf("form %+v does not inflate to the message: %v", f.form, err)
		}
		t.Logf("form %+v: %d bytes, matches reach back %d", f.form, len(f.frame), rep.MaxDist)
		if rep.MaxDist > 1<<f.form.WindowBits {
			t.Errorf("form %+v reaches back %d bytes, past its window", f.form, rep.MaxDist)
		}
	}
}
