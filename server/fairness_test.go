package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/bronco-ws/bronco/ws/frame"
)

// TestBurstOverManyTurns: a client that sends far more than an event loop's turn budget at
// once (64 messages of 32 KiB, 2 MiB, with and without permessage-deflate) is handled over
// many turns, and gets every echo, whole and in order, on every setup.
func TestBurstOverManyTurns(t *testing.T) {
	const count, size = 64, 32 << 10
	each(t, func(t *testing.T, st setup) {
		for _, compress := range []bool{false, true} {
			addr := startHandler(t, st, &funcHandler{}, Options{Compress: compress})
			d, url := dialer(addr, "/")
			d.Compress = compress
			ctx := context.Background()
			c, _, err := d.Dial(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer c.NetConn().Close()
			msg := func(i int) []byte {
				b := bytes.Repeat([]byte{byte(i)}, size)
				binary.BigEndian.PutUint32(b, uint32(i))
				return b
			}
			sent := make(chan error, 1)
			go func() {
				for i := range count {
					if err := c.Write(ctx, frame.OpBinary, msg(i)); err != nil {
						sent <- err
						return
					}
				}
				sent <- nil
			}()
			for i := range count {
				_, got, err := c.Read(ctx)
				if err != nil {
					t.Fatalf("compress=%v: echo %d: %v", compress, i, err)
				}
				if !bytes.Equal(got, msg(i)) {
					t.Fatalf("compress=%v: echo %d is not message %d (starts % x)", compress, i, i, got[:8])
				}
			}
			if err := <-sent; err != nil {
				t.Fatal(err)
			}
		}
	})
}
