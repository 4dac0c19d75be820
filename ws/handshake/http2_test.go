package handshake_test

import (
	"net/http"
	"testing"

	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// h2Request is an extended CONNECT as net/http's HTTP/2 server hands it to a handler (with
// GODEBUG=http2xconnect=1): the :protocol pseudo-header in the header map, the :path as
// RequestURI, the :authority as Host.
func h2Request(method, path string, header http.Header) *http.Request {
	h := http.Header{":protocol": {"websocket"}, "Sec-Websocket-Version": {"13"}}
	for k, v := range header {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	return &http.Request{Method: method, RequestURI: path, Proto: "HTTP/2.0", ProtoMajor: 2,
		Host: "server.example.com", Header: h}
}

func TestFromHTTP2(t *testing.T) {
	tests := []struct {
		name    string
		in      *http.Request
		want    *handshake.Request
		wantErr *errCase
	}{
		{
			name: "RFC 8441 §4: an extended CONNECT with :protocol websocket",
			in: h2Request("CONNECT", "/chat?x=1", http.Header{
				"Origin":                   {"https://example.com"},
				"Sec-Websocket-Protocol":   {"chat, superchat"},
				"Sec-Websocket-Extensions": {"permessage-deflate; client_max_window_bits"},
			}),
			want: &handshake.Request{
				Method: "CONNECT", Target: "/chat?x=1", Proto: "HTTP/2.0", Host: "server.example.com",
				Origin:     "https://example.com",
				Protocols:  []string{"chat", "superchat"},
				Extensions: []extension.Extension{{Name: "permessage-deflate", Params: []extension.Param{{Name: "client_max_window_bits"}}}},
				Header: http.Header{
					":protocol":                {"websocket"},
					"Sec-Websocket-Version":    {"13"},
					"Origin":                   {"https://example.com"},
					"Sec-Websocket-Protocol":   {"chat, superchat"},
					"Sec-Websocket-Extensions": {"permessage-deflate; client_max_window_bits"},
				},
			},
		},
		{
			name: "RFC 8441 §5: Sec-WebSocket-Key is not used, so one sent anyway is ignored",
			in:   h2Request("CONNECT", "/", http.Header{"Sec-Websocket-Key": {"not a key"}}),
			want: &handshake.Request{Method: "CONNECT", Target: "/", Proto: "HTTP/2.0", Host: "server.example.com",
				Header: http.Header{":protocol": {"websocket"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"not a key"}}},
		},
		{
			name:    "RFC 8441 §4: a GET over HTTP/2 is not a WebSocket request: 405",
			in:      h2Request("GET", "/", http.Header{":protocol": nil}),
			wantErr: bad(405, "", "ErrBadMethod"),
		},
		{
			name:    "RFC 8441 §4: a CONNECT without :protocol is a tunnel, not a WebSocket",
			in:      h2Request("CONNECT", "/", http.Header{":protocol": nil}),
			wantErr: bad(400, ":protocol", "ErrBadUpgrade"),
		},
		{
			name:    "RFC 8441 §4: :protocol other than websocket",
			in:      h2Request("CONNECT", "/", http.Header{":protocol": {"webtransport"}}),
			wantErr: bad(400, ":protocol", "ErrBadUpgrade"),
		},
		{
			name:    "RFC 8441 §4: :path is required",
			in:      h2Request("CONNECT", "", nil),
			wantErr: bad(400, "", "ErrBadTarget"),
		},
		{
			name:    "RFC 8441 §5 and RFC 6455 §4.2.1 step 6: Sec-WebSocket-Version missing is 426",
			in:      h2Request("CONNECT", "/", http.Header{"Sec-Websocket-Version": nil}),
			wantErr: bad(426, "Sec-WebSocket-Version", "ErrBadVersion"),
		},
		{
			name:    "RFC 8441 §5 and RFC 6455 §4.2.2: an unknown version is 426",
			in:      h2Request("CONNECT", "/", http.Header{"Sec-Websocket-Version": {"8"}}),
			wantErr: bad(426, "Sec-WebSocket-Version", "ErrBadVersion"),
		},
		{
			name:    "RFC 6455 §9.1 over HTTP/2: a malformed extension offer is 400",
			in:      h2Request("CONNECT", "/", http.Header{"Sec-Websocket-Extensions": {"permessage-deflate;;"}}),
			wantErr: bad(400, "Sec-WebSocket-Extensions", "ErrBadExtensions"),
		},
		{
			name:    "RFC 6454 §7.3 over HTTP/2: two Origins are 400",
			in:      h2Request("CONNECT", "/", http.Header{"Origin": {"https://a.example", "https://b.example"}}),
			wantErr: bad(400, "Origin", "ErrBadOrigin"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handshake.FromHTTP(tt.in)
			if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
				t.Fatalf("error mismatch (-want +got):\n%s\nerr: %v", diff, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHTTP2Header checks the fields of the 200 that accepts an RFC 8441 request: what
// AppendResponse writes over HTTP/1.1 less what HTTP/2 does not use.
func TestHTTP2Header(t *testing.T) {
	resp := handshake.Response{
		Protocol:   "chat",
		Extensions: []extension.Extension{{Name: "permessage-deflate", Params: []extension.Param{{Name: "server_max_window_bits", Value: "10", HasValue: true}}}},
		Header: http.Header{
			"X-Served-By": {"bronco"},
			"Connection":  {"keep-alive"}, // the handshake's own field: left out
			"Bad Name":    {"x"},          // cannot be written: left out
		},
	}
	h := http.Header{}
	resp.HTTP2Header(h)
	want := http.Header{
		"Sec-Websocket-Protocol":   {"chat"},
		"Sec-Websocket-Extensions": {"permessage-deflate; server_max_window_bits=10"},
		"X-Served-By":              {"bronco"},
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("HTTP2Header (-want +got):\n%s", diff)
	}
}

// TestClientHTTP2 checks the client's side of RFC 8441: the extended CONNECT's fields, and
// the checks of the server's answer.
func TestClientHTTP2(t *testing.T) {
	cr := handshake.ClientRequest{
		Host: "server.example.com", Target: "/chat", Origin: "https://example.com",
		Protocols:  []string{"chat", "superchat"},
		Extensions: []extension.Extension{{Name: "permessage-deflate", Params: []extension.Param{{Name: "client_max_window_bits"}}}},
		Header:     http.Header{"Authorization": {"Bearer x"}, "Upgrade": {"h2c"}},
	}
	wantHeader := http.Header{
		":protocol":                {"websocket"},
		"Sec-Websocket-Version":    {"13"},
		"Origin":                   {"https://example.com"},
		"Sec-Websocket-Protocol":   {"chat, superchat"},
		"Sec-Websocket-Extensions": {"permessage-deflate; client_max_window_bits"},
		"Authorization":            {"Bearer x"},
	}
	if diff := cmp.Diff(wantHeader, cr.HTTP2Header()); diff != "" {
		t.Errorf("RFC 8441 §4-5: HTTP2Header (-want +got):\n%s", diff)
	}
	tests := []struct {
		name    string
		status  int
		header  http.Header
		want    *handshake.ClientResult
		wantErr *errCase
	}{
		{"RFC 8441 §5: 200 with a subprotocol and an extension", 200,
			http.Header{"Sec-Websocket-Protocol": {"chat"}, "Sec-Websocket-Extensions": {"permessage-deflate"}},
			&handshake.ClientResult{Protocol: "chat", Extensions: []extension.Extension{{Name: "permessage-deflate"}},
				Header: http.Header{"Sec-Websocket-Protocol": {"chat"}, "Sec-Websocket-Extensions": {"permessage-deflate"}}}, nil},
		{"RFC 8441 §5: any 2xx, and no Sec-WebSocket-Accept to check", 204, http.Header{},
			&handshake.ClientResult{Header: http.Header{}}, nil},
		{"RFC 8441 §5: a status other than 2xx is a refusal", 403, http.Header{"X-Why": {"no"}},
			&handshake.ClientResult{Header: http.Header{"X-Why": {"no"}}}, bad(403, "", "ErrBadStatus")},
		{"RFC 6455 §4.1 over HTTP/2: a subprotocol not offered", 200, http.Header{"Sec-Websocket-Protocol": {"other"}},
			nil, bad(200, "Sec-WebSocket-Protocol", "ErrUnofferedProtocol")},
		{"RFC 6455 §9.1 over HTTP/2: an extension not offered", 200, http.Header{"Sec-Websocket-Extensions": {"x-other"}},
			nil, bad(200, "Sec-WebSocket-Extensions", "ErrUnofferedExtension")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handshake.CheckHTTP2Response(tt.status, tt.header, cr)
			if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
				t.Fatalf("error mismatch (-want +got):\n%s\nerr: %v", diff, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
