package handshake_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

func TestAppendResponse(t *testing.T) {
	req := exampleRequest(func(r *handshake.Request) {
		r.Extensions = []ext{{Name: "permessage-deflate"}, {Name: "x-other"}}
	})
	const status = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + exampleAccept + "\r\n"
	tests := []struct {
		name string
		resp handshake.Response
		want string
	}{
		{"RFC 6455 §4.2.2 step 5: no subprotocol, no extensions", handshake.Response{}, status + "\r\n"},
		{
			"RFC 6455 §1.2 example answer with subprotocol chat",
			handshake.Response{Protocol: "chat"},
			status + "Sec-WebSocket-Protocol: chat\r\n\r\n",
		},
		{
			"RFC 6455 §11.3.2: all extensions on one line",
			handshake.Response{Extensions: []ext{{Name: "permessage-deflate", Params: []param{{Name: "client_max_window_bits", Value: "10", HasValue: true}}}, {Name: "x-other"}}},
			status + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10, x-other\r\n\r\n",
		},
		{
			"extra fields sorted, reserved and unwritable ones left out",
			handshake.Response{Header: http.Header{
				"Set-Cookie":           {"a=1", "b=2"},
				"X-Id":                 {" 7 "},
				"Content-Length":       {"5"},
				"Sec-Websocket-Accept": {"forged"},
				"X-Bad":                {"a\r\nInjected: 1"},
				"Bad Name":             {"x"},
			}},
			status + "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Id: 7\r\n\r\n",
		},
		{"non-token subprotocol left out", handshake.Response{Protocol: "a b"}, status + "\r\n"},
		{"no writable extension: no header", handshake.Response{Extensions: []ext{{Name: "a b"}}}, status + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := handshake.AppendResponse([]byte("prefix:"), req, tt.resp)
			if diff := cmp.Diff("prefix:"+tt.want, string(got)); diff != "" {
				t.Fatalf("AppendResponse mismatch (-want +got):\n%s", diff)
			}
			hr, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got[len("prefix:"):])), nil)
			if err != nil {
				t.Fatalf("net/http cannot read the response: %v", err)
			}
			if hr.StatusCode != 101 || hr.Header.Get("Sec-WebSocket-Accept") != exampleAccept {
				t.Errorf("net/http read status %d, accept %q", hr.StatusCode, hr.Header.Get("Sec-WebSocket-Accept"))
			}
		})
	}
}

func TestResponseValidate(t *testing.T) {
	req := exampleRequest(func(r *handshake.Request) { r.Extensions = []ext{{Name: "permessage-deflate"}} })
	tests := []struct {
		name string
		resp handshake.Response
		want *errCase
	}{
		{"accepts an offered subprotocol and extension", handshake.Response{Protocol: "superchat", Extensions: []ext{{Name: "permessage-deflate"}}}, nil},
		{"RFC 6455 §4.2.2 /subprotocol/: MUST be one the client offered", handshake.Response{Protocol: "other"}, bad(0, "Sec-WebSocket-Protocol", "ErrInvalidResponse")},
		{"RFC 6455 §4.2.2 /extensions/: not listed by the client MUST NOT be listed", handshake.Response{Extensions: []ext{{Name: "x-other"}}}, bad(0, "Sec-WebSocket-Extensions", "ErrInvalidResponse")},
		{"reserved extra field", handshake.Response{Header: http.Header{"Upgrade": {"h2c"}}}, bad(0, "Upgrade", "ErrInvalidResponse")},
		{"extra field with CRLF", handshake.Response{Header: http.Header{"X-A": {"1\r\n"}}}, bad(0, "X-A", "ErrInvalidResponse")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, describe(tt.resp.Validate(req))); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendErrorResponse(t *testing.T) {
	type parsed struct {
		Status int
		Close  bool // net/http moves "Connection: close" here
		Header http.Header
		Body   string
	}
	base := func(n string, extra http.Header) http.Header {
		h := http.Header{
			"Content-Type":           {"text/plain; charset=utf-8"},
			"X-Content-Type-Options": {"nosniff"},
			"Content-Length":         {n},
		}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	tests := []struct {
		name   string
		status int
		reason string
		extra  http.Header
		want   parsed
	}{
		{
			"RFC 6455 §4.2.1: 400 with the reason as body",
			400, "handshake: 400 Sec-WebSocket-Key: missing", nil,
			parsed{400, true, base("42", nil), "handshake: 400 Sec-WebSocket-Key: missing\n"},
		},
		{
			"RFC 6455 §4.2.2 /version/: 426 MUST carry Sec-WebSocket-Version",
			426, "", nil,
			parsed{426, true, base("17", http.Header{"Sec-Websocket-Version": {"13"}}), "Upgrade Required\n"},
		},
		{
			"RFC 9110 §15.5.6: 405 MUST carry Allow",
			405, "use GET", nil,
			parsed{405, true, base("8", http.Header{"Allow": {"GET"}}), "use GET\n"},
		},
		{
			"RFC 6455 §4.2.2 step 2: 401 with an authentication challenge",
			401, "", http.Header{"Www-Authenticate": {`Basic realm="ws"`}, "Content-Length": {"999"}},
			parsed{401, true, base("13", http.Header{"Www-Authenticate": {`Basic realm="ws"`}}), "Unauthorized\n"},
		},
		{
			"unknown status",
			599, "", nil,
			parsed{599, true, base("6", nil), "Error\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := handshake.AppendErrorResponse(nil, tt.status, tt.reason, tt.extra)
			hr, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
			if err != nil {
				t.Fatalf("net/http cannot read %q: %v", b, err)
			}
			body, err := io.ReadAll(hr.Body)
			if err != nil {
				t.Fatal(err)
			}
			got := parsed{hr.StatusCode, hr.Close, hr.Header, string(body)}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("AppendErrorResponse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
