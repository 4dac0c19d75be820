package server

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
)

// TestIdleMemoryAfterLargeMessage: a connection's memory follows its traffic (Cowboy's
// dynamic_buffer). After echoing one 16 MiB message, plain or compressed (a 16 KiB
// permessage-deflate payload that inflates to 16 MiB, the bomb-shaped case), an idle
// connection holds at most idleBudget of heap (its client's buffers included), and at most a
// quarter of that more than after a 100-byte message.
func TestIdleMemoryAfterLargeMessage(t *testing.T) {
	const (
		size       = 16 << 20
		conns      = 2
		idleBudget = 64 << 10
	)
	zeros := make([]byte, size)
	small := make([]byte, 100)
	// The frames are built once, before the first measurement, and shared by every
	// connection, so that the client side adds nothing to the heap measured.
	big := map[bool][]byte{false: maskedFrame(zeros, false), true: maskedFrame(zeros, true)}
	little := map[bool][]byte{false: maskedFrame(small, false), true: maskedFrame(small, true)}
	each(t, func(t *testing.T, st setup) {
		if st.h2 {
			t.Skip("the raw client below speaks HTTP/1.1; an RFC 8441 stream runs the same goroutine driver")
		}
		for _, compressed := range []bool{false, true} {
			t.Run(fmt.Sprintf("compressed=%v", compressed), func(t *testing.T) {
				addr := startHandler(t, st, &funcHandler{}, Options{
					Compress: compressed, MaxMessageSize: size, MaxFrameSize: size,
				})
				base := settledHeap()
				var clients [conns]*rawClient
				for i := range clients {
					clients[i] = newRawClient(t, addr, compressed)
					clients[i].roundTrip(t, little[compressed], len(small), compressed)
				}
				before := settledHeap()
				for _, c := range clients {
					c.roundTrip(t, big[compressed], size, compressed)
				}
				after := settledHeap()
				grown := (int64(after) - int64(before)) / conns
				held := (int64(after) - int64(base)) / conns
				t.Logf("heap per idle connection after a 16 MiB message: %d bytes (client's included), %+d over its heap after 100 bytes", held, grown)
				if held > idleBudget || grown > idleBudget/4 {
					t.Errorf("an idle connection holds %d bytes after a 16 MiB message, %d more than after 100 bytes; want at most %d and %d",
						held, grown, idleBudget, idleBudget/4)
				}
			})
		}
	})
}

// settledHeap returns the live heap once the garbage and both generations of sync.Pool are
// gone: what the connections hold, not what they dropped.
func settledHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// maskedFrame returns a masked binary frame carrying payload, compressed (RSV1) with
// permessage-deflate's default parameters when compressed is true.
func maskedFrame(payload []byte, compressed bool) []byte {
	h := frame.Header{Fin: true, Opcode: frame.OpBinary, Masked: true}
	rand.Read(h.Mask[:])
	if compressed {
		payload = deflate.NewEncoder(15, 1, false).AppendCompress(nil, payload)
		h.Rsv = frame.RSV1
	}
	h.Length = int64(len(payload))
	out := frame.AppendFrame(nil, h, payload)
	return out
}

// rawClient is an upgraded connection that sends prebuilt frames and reads replies without
// keeping them.
type rawClient struct {
	nc net.Conn
	br *bufio.Reader
}

func newRawClient(t *testing.T, addr string, compressed bool) *rawClient {
	t.Helper()
	req := upgradeRequest()
	if compressed {
		req = upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover")
	}
	nc, err := dialRaw(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || compressed != (resp.Header.Get("Sec-WebSocket-Extensions") != "") {
		t.Fatalf("upgrade: %s %v", resp.Status, resp.Header)
	}
	return &rawClient{nc: nc, br: br}
}

// roundTrip sends msg and reads the one reply it is echoed with, checking its length.
func (c *rawClient) roundTrip(t *testing.T, msg []byte, want int, compressed bool) {
	t.Helper()
	c.nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.nc.Write(msg); err != nil {
		t.Fatal(err)
	}
	h, err := c.readHeader()
	if err != nil {
		t.Fatal(err)
	}
	if compressed != (h.Rsv&frame.RSV1 != 0) {
		t.Fatalf("reply header %+v; compressed %v", h, compressed)
	}
	if compressed {
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(c.br, payload); err != nil {
			t.Fatal(err)
		}
		out, err := deflate.NewDecoder(15, false).AppendDecompress(nil, payload, int64(want))
		if err != nil || len(out) != want {
			t.Fatalf("reply inflates to %d bytes (%v); want %d", len(out), err, want)
		}
		return
	}
	if n, err := io.CopyN(io.Discard, c.br, h.Length); err != nil || int(n) != want {
		t.Fatalf("reply of %d bytes (%v); want %d", n, err, want)
	}
}

// readMessage reads one unfragmented, uncompressed server frame and checks its payload.
func (c *rawClient) readMessage(want []byte) error {
	h, err := c.readHeader()
	if err != nil {
		return err
	}
	got := make([]byte, h.Length)
	if _, err := io.ReadFull(c.br, got); err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("a message of %d bytes, not the %d sent", len(got), len(want))
	}
	return nil
}

// readHeader reads the next frame's header.
func (c *rawClient) readHeader() (frame.Header, error) {
	for n := 2; ; n++ {
		b, err := c.br.Peek(n)
		if err != nil {
			return frame.Header{}, fmt.Errorf("reading a header: %w", err)
		}
		h, hn, err := frame.ParseHeader(b)
		if err != nil || hn > 0 {
			c.br.Discard(hn)
			return h, err
		}
	}
}
