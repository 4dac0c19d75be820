package handshake_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// browserRequest is an opening handshake as a current desktop browser sends it.
var browserRequest = head("GET /chat?room=lobby HTTP/1.1",
	"Host: server.example.com",
	"Connection: Upgrade",
	"Pragma: no-cache",
	"Cache-Control: no-cache",
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"Upgrade: websocket",
	"Origin: https://app.example.com",
	"Sec-WebSocket-Version: 13",
	"Accept-Encoding: gzip, deflate, br, zstd",
	"Accept-Language: en-US,en;q=0.9",
	"Cookie: session=3f2a9c1d7e5b4a60; theme=dark",
	"Sec-WebSocket-Key: "+exampleKey,
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
	"Sec-WebSocket-Protocol: chat, superchat",
)

func BenchmarkReadRequest(b *testing.B) {
	src := strings.NewReader(browserRequest)
	br := bufio.NewReader(src)
	b.SetBytes(int64(len(browserRequest)))
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(browserRequest)
		br.Reset(src)
		if _, err := handshake.ReadRequest(br, handshake.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNetHTTPReadRequest is the same input through net/http's parser and FromHTTP, the
// path a server takes when it upgrades from an http.Handler: the ratio to
// BenchmarkReadRequest is what skipping net/http saves.
func BenchmarkNetHTTPReadRequest(b *testing.B) {
	src := strings.NewReader(browserRequest)
	br := bufio.NewReader(src)
	b.SetBytes(int64(len(browserRequest)))
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(browserRequest)
		br.Reset(src)
		r, err := http.ReadRequest(br)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := handshake.FromHTTP(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendResponse(b *testing.B) {
	req, err := handshake.ReadRequest(bufio.NewReader(strings.NewReader(browserRequest)), handshake.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	resp := handshake.Response{Protocol: "chat", Extensions: []extension.Extension{{Name: "permessage-deflate"}}}
	buf := handshake.AppendResponse(nil, req, resp)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = handshake.AppendResponse(buf[:0], req, resp)
	}
}

// TestAllocs guards the allocation counts the benchmarks report. ReadRequest's budget for the
// browser request: the head string, the Request, the shared value slice, the header map
// (four allocations for fourteen names in Go 1.26's maps), the subprotocol slice, and the
// extension and parameter slices, plus what canonicalizing lowercase names would add (none here).
func TestAllocs(t *testing.T) {
	src := strings.NewReader(browserRequest)
	br := bufio.NewReader(src)
	req, err := handshake.ReadRequest(br, handshake.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	resp := handshake.Response{Protocol: "chat", Extensions: []extension.Extension{{Name: "permessage-deflate"}}}
	tests := []struct {
		name string
		max  float64
		fn   func()
	}{
		{"ReadRequest", 14, func() {
			src.Reset(browserRequest)
			br.Reset(src)
			if _, err := handshake.ReadRequest(br, handshake.Limits{}); err != nil {
				t.Fatal(err)
			}
		}},
		{"AppendResponse", 0, func() { buf = handshake.AppendResponse(buf[:0], req, resp) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, tt.fn); got > tt.max {
				t.Errorf("%s: %v allocations, want at most %v", tt.name, got, tt.max)
			}
		})
	}
}
