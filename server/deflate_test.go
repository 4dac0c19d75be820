package server

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/google/go-cmp/cmp"
)

// TestPermessageDeflate negotiates RFC 7692 with a hand-made client, sends a compressed
// message, and checks the echo: compressed (RSV1, §6.1) when the connection compresses,
// plain when the handler's frame opts out, and declined when Options.Compress is off.
func TestPermessageDeflate(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		msg := strings.Repeat("compress me, ", 20)
		tests := []struct {
			name         string
			compress     bool
			uncompressed bool // the handler sets Frame.Uncompressed
			wantExt      bool
			wantRSV1     bool
		}{
			{"§5 compression off: offer declined", false, false, false, false},
			{"§7.2.1 echo compressed with context takeover", true, false, true, true},
			{"per-message switch: echo sent plain", true, true, true, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := newHandler()
				h.handle = func(c *Conn, f Frame) Result {
					f.Uncompressed = tt.uncompressed
					return Reply(f)
				}
				addr := startHandler(t, st, h, Options{Compress: tt.compress, Deflate: deflate.Config{Threshold: -1}})
				req := upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-unknown")
				enc := deflate.NewEncoder(15, 6, true)
				dec := deflate.NewDecoder(15, true)
				var stream []byte
				for range 2 { // two messages: the second relies on the shared window
					payload := enc.AppendCompress(nil, []byte(msg))
					stream = frame.AppendFrame(stream, frame.Header{Fin: true, Rsv: frame.RSV1, Opcode: frame.OpText, Masked: true, Mask: [4]byte{5, 6, 7, 8}}, payload)
				}
				status, head, br := sendRaw(t, addr, req+string(stream))
				if status != "HTTP/1.1 101 Switching Protocols" {
					t.Fatalf("status %q", status)
				}
				if got := strings.Contains(head, "permessage-deflate"); got != tt.wantExt {
					t.Fatalf("101 carries permessage-deflate: %v; want %v\n%s", got, tt.wantExt, head)
				}
				if !tt.wantExt {
					// Declined: RSV1 on a frame is now a protocol error (RFC 6455 §5.2).
					var hdr [2]byte
					io.ReadFull(br, hdr[:])
					if hdr[0] != 0x88 {
						t.Errorf("after a compressed frame without the extension: % x; want a close", hdr)
					}
					return
				}
				for i := range 2 {
					var hb [frame.MaxHeaderLen]byte
					io.ReadFull(br, hb[:2])
					n := 2
					switch hb[1] & 0x7f {
					case 126:
						n = 4
					case 127:
						n = 10
					}
					io.ReadFull(br, hb[2:n])
					h, _, err := frame.ParseHeader(hb[:n])
					if err != nil {
						t.Fatal(err)
					}
					body := make([]byte, h.Length)
					io.ReadFull(br, body)
					if got := h.Rsv&frame.RSV1 != 0; got != tt.wantRSV1 {
						t.Fatalf("message %d: RSV1 %v; want %v", i, got, tt.wantRSV1)
					}
					if tt.wantRSV1 {
						if body, err = dec.AppendDecompress(nil, body, 1<<20); err != nil {
							t.Fatal(err)
						}
					}
					if diff := cmp.Diff(msg, string(body)); diff != "" {
						t.Errorf("message %d echo (-want +got):\n%s", i, diff)
					}
				}
			})
		}
	})
}

// TestDialerCompression: client.Dialer negotiates permessage-deflate with the server (both roles
// of RFC 7692 §7) and messages in both directions survive compression with context takeover
// and small windows.
func TestDialerCompression(t *testing.T) {
	each(t, func(t *testing.T, st setup) {
		addr := startHandler(t, st, newHandler(), Options{Compress: true, Deflate: deflate.Config{Threshold: -1}})
		d, url := dialer(addr, "/")
		d.Compress, d.Deflate = true, deflate.Config{ServerMaxWindowBits: 9, ClientMaxWindowBits: 8, Threshold: -1}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, res, err := d.Dial(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer c.NetConn().Close()
		c.NetConn().SetDeadline(time.Now().Add(5 * time.Second))
		if len(res.Extensions) != 1 || res.Extensions[0].Name != deflate.ExtensionName {
			t.Fatalf("accepted extensions %+v; want permessage-deflate", res.Extensions)
		}
		for i := range 5 {
			msg := strings.Repeat(fmt.Sprintf("message %d, ", i), 50+i*100)
			c.Write(context.Background(), frame.OpText, []byte(msg))
			if got := readText(t, c); got != msg {
				t.Fatalf("message %d: echo of %d bytes came back as %d bytes", i, len(msg), len(got))
			}
		}
	})
}
