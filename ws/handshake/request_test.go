package handshake_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

type requestTest struct {
	name    string
	in      string
	want    *handshake.Request
	wantErr *errCase
}

func bad(status int, header, kind string) *errCase {
	return &errCase{Status: status, Header: header, Kind: kind}
}

// requestTests has one row per rule a server applies to the client's opening handshake.
var requestTests = []requestTest{
	{
		name: "RFC 6455 §1.2 example handshake",
		in:   example(nil),
		want: exampleRequest(nil),
	},
	// RFC 6455 §4.2.1 step 1: an HTTP/1.1 or higher GET request.
	{
		name:    "RFC 6455 §4.2.1 step 1: POST is 405",
		in:      exampleWithLine("POST /chat HTTP/1.1", nil),
		wantErr: bad(405, "", "ErrBadMethod"),
	},
	// An upgrade request has no body (RFC 6455 §4.1); one announced would be read as frames.
	{
		name:    "RFC 9112 §6.3: a Content-Length other than 0 is a body: 400",
		in:      example(nil, "Content-Length: 5") + "hello",
		wantErr: bad(400, "Content-Length", "ErrBody"),
	},
	{
		name:    "RFC 9112 §6.3: Transfer-Encoding is a body: 400",
		in:      example(nil, "Transfer-Encoding: chunked") + "0\r\n\r\n",
		wantErr: bad(400, "Transfer-Encoding", "ErrBody"),
	},
	{
		name:    "RFC 9112 §6.3: Transfer-Encoding with Content-Length: 400",
		in:      example(nil, "Content-Length: 0", "Transfer-Encoding: chunked") + "0\r\n\r\n",
		wantErr: bad(400, "Transfer-Encoding", "ErrBody"),
	},
	{
		name:    "RFC 9112 §6.3 item 5: differing Content-Lengths MUST be answered 400",
		in:      example(nil, "Content-Length: 0", "Content-Length: 5"),
		wantErr: bad(400, "Content-Length", "ErrBody"),
	},
	{
		name:    "RFC 9112 §6.3 item 5: differing lengths in one field: 400",
		in:      example(nil, "Content-Length: 0, 5"),
		wantErr: bad(400, "Content-Length", "ErrBody"),
	},
	{
		name:    "RFC 9112 §6.3 item 5: a Content-Length that is not a number: 400",
		in:      example(nil, "Content-Length: +0"),
		wantErr: bad(400, "Content-Length", "ErrBody"),
	},
	{
		name: "RFC 9112 §6.3: Content-Length 0 is no body",
		in:   example(nil, "Content-Length: 0"),
		want: exampleRequest(func(r *handshake.Request) { r.Header["Content-Length"] = []string{"0"} }),
	},
	{
		name:    "RFC 6455 §4.2.1 step 1: method is case-sensitive, get is 405",
		in:      exampleWithLine("get /chat HTTP/1.1", nil),
		wantErr: bad(405, "", "ErrBadMethod"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 1: HTTP/1.0 is 505",
		in:      exampleWithLine("GET /chat HTTP/1.0", nil),
		wantErr: bad(505, "", "ErrBadProto"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 1: HTTP/2.0 in an HTTP/1 request line is 505",
		in:      exampleWithLine("GET /chat HTTP/2.0", nil),
		wantErr: bad(505, "", "ErrBadProto"),
	},
	{
		name: "RFC 6455 §4.2.1 step 1: HTTP/1.2 is 'or higher'",
		in:   exampleWithLine("GET /chat HTTP/1.2", nil),
		want: exampleRequest(func(r *handshake.Request) { r.Proto = "HTTP/1.2" }),
	},
	{
		name:    "RFC 6455 §4.2.1 step 1: 505 is reported before 405",
		in:      exampleWithLine("POST /chat HTTP/1.0", nil),
		wantErr: bad(505, "", "ErrBadProto"),
	},
	{
		name: "RFC 6455 §4.2.1 step 1: query is part of the resource name",
		in:   exampleWithLine("GET /chat?room=1&x=%20 HTTP/1.1", nil),
		want: exampleRequest(func(r *handshake.Request) { r.Target = "/chat?room=1&x=%20" }),
	},
	{
		name: "RFC 6455 §4.1 step 3: absolute http URI, Host taken from it (RFC 9112 §3.2.2)",
		in:   exampleWithLine("GET HTTPS://other.example:8443/chat HTTP/1.1", nil),
		want: exampleRequest(func(r *handshake.Request) {
			r.Target = "HTTPS://other.example:8443/chat"
			r.Host = "other.example:8443"
		}),
	},
	{
		name:    "RFC 6455 §4.1 step 3: asterisk-form is not a resource name",
		in:      exampleWithLine("GET * HTTP/1.1", nil),
		wantErr: bad(400, "", "ErrBadTarget"),
	},
	{
		name:    "RFC 6455 §4.1 step 3: ws: URI is not an http/https URI",
		in:      exampleWithLine("GET ws://server.example.com/chat HTTP/1.1", nil),
		wantErr: bad(400, "", "ErrBadTarget"),
	},
	{
		name:    "RFC 6455 §4.1 step 3: absolute URI without host",
		in:      exampleWithLine("GET http:///chat HTTP/1.1", nil),
		wantErr: bad(400, "", "ErrBadTarget"),
	},
	{
		name:    "RFC 9110 §4.2.4: userinfo in an absolute target is an error",
		in:      exampleWithLine("GET http://user@server.example.com/chat HTTP/1.1", nil),
		wantErr: bad(400, "", "ErrBadTarget"),
	},
	{
		name:    "RFC 6455 §3: fragment identifiers MUST NOT be used",
		in:      exampleWithLine("GET /chat#top HTTP/1.1", nil),
		wantErr: bad(400, "", "ErrBadTarget"),
	},
	// RFC 6455 §4.2.1 step 2: a Host header field containing the server's authority.
	{
		name:    "RFC 6455 §4.2.1 step 2: missing Host",
		in:      example([]string{"Host"}),
		wantErr: bad(400, "Host", "ErrBadHost"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 2 and RFC 9112 §3.2: repeated Host",
		in:      example(nil, "Host: evil.example"),
		wantErr: bad(400, "Host", "ErrBadHost"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 2: empty Host",
		in:      example([]string{"Host"}, "Host:"),
		wantErr: bad(400, "Host", "ErrBadHost"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 2: Host is not a list",
		in:      example([]string{"Host"}, "Host: a.example, b.example"),
		wantErr: bad(400, "Host", "ErrBadHost"),
	},
	// RFC 6455 §4.2.1 step 3: Upgrade containing "websocket", ASCII case-insensitive.
	{
		name:    "RFC 6455 §4.2.1 step 3: missing Upgrade",
		in:      example([]string{"Upgrade"}),
		wantErr: bad(400, "Upgrade", "ErrBadUpgrade"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 3: Upgrade without websocket",
		in:      example([]string{"Upgrade"}, "Upgrade: h2c"),
		wantErr: bad(400, "Upgrade", "ErrBadUpgrade"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 3: websocket/13 is not the websocket token",
		in:      example([]string{"Upgrade"}, "Upgrade: websocket/13"),
		wantErr: bad(400, "Upgrade", "ErrBadUpgrade"),
	},
	{
		name: "RFC 6455 §4.2.1 step 3: Upgrade is case-insensitive and a list",
		in:   example([]string{"Upgrade"}, "Upgrade: h2c ,\tWebSocket"),
		want: exampleRequest(func(r *handshake.Request) { r.Header["Upgrade"] = []string{"h2c ,\tWebSocket"} }),
	},
	{
		name: "RFC 6455 §4.2.1 step 3: Upgrade split over repeated lines",
		in:   example([]string{"Upgrade"}, "Upgrade: h2c", "Upgrade: websocket"),
		want: exampleRequest(func(r *handshake.Request) { r.Header["Upgrade"] = []string{"h2c", "websocket"} }),
	},
	// RFC 6455 §4.2.1 step 4: Connection including the token "Upgrade", case-insensitive.
	{
		name:    "RFC 6455 §4.2.1 step 4: missing Connection",
		in:      example([]string{"Connection"}),
		wantErr: bad(400, "Connection", "ErrBadConnection"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 4: Connection without Upgrade",
		in:      example([]string{"Connection"}, "Connection: keep-alive"),
		wantErr: bad(400, "Connection", "ErrBadConnection"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 4: Upgraded is not the Upgrade token",
		in:      example([]string{"Connection"}, "Connection: Upgraded"),
		wantErr: bad(400, "Connection", "ErrBadConnection"),
	},
	{
		name: "RFC 6455 §4.2.1 step 4: Connection list as Firefox sends it",
		in:   example([]string{"Connection"}, "Connection: keep-alive, Upgrade"),
		want: exampleRequest(func(r *handshake.Request) { r.Header["Connection"] = []string{"keep-alive, Upgrade"} }),
	},
	{
		name: "RFC 6455 §4.2.1 step 4: lowercase upgrade on a repeated line, empty elements",
		in:   example([]string{"Connection"}, "Connection: keep-alive", "Connection: , upgrade,"),
		want: exampleRequest(func(r *handshake.Request) {
			r.Header["Connection"] = []string{"keep-alive", ", upgrade,"}
		}),
	},
	// RFC 6455 §4.2.1 step 5: Sec-WebSocket-Key, base64 that decodes to 16 bytes.
	{
		name:    "RFC 6455 §4.2.1 step 5: missing Sec-WebSocket-Key",
		in:      example([]string{"Sec-WebSocket-Key"}),
		wantErr: bad(400, "Sec-WebSocket-Key", "ErrMissingKey"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 5: key of 15 bytes",
		in:      example([]string{"Sec-WebSocket-Key"}, "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4P"),
		wantErr: bad(400, "Sec-WebSocket-Key", "ErrBadKey"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 5: key of 17 bytes",
		in:      example([]string{"Sec-WebSocket-Key"}, "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEBE="),
		wantErr: bad(400, "Sec-WebSocket-Key", "ErrBadKey"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 5: key of 16 bytes without padding",
		in:      example([]string{"Sec-WebSocket-Key"}, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ"),
		wantErr: bad(400, "Sec-WebSocket-Key", "ErrBadKey"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 5: key is not base64",
		in:      example([]string{"Sec-WebSocket-Key"}, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZ!=="),
		wantErr: bad(400, "Sec-WebSocket-Key", "ErrBadKey"),
	},
	{
		name:    "RFC 6455 §4.2.1 step 5: base64url alphabet is not RFC 4648 §4 base64",
		in:      example([]string{"Sec-WebSocket-Key"}, "Sec-WebSocket-Key: -_-_-_-_-_-_-_-_-_-_-w=="),
		wantErr: bad(400, "Sec-WebSocket-Key", "ErrBadKey"),
	},
	{
		name: "RFC 6455 §4.1 step 7: the RFC's own example key, padding bits set, is accepted",
		in:   example([]string{"Sec-WebSocket-Key"}, "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEC=="),
		want: exampleRequest(func(r *handshake.Request) {
			r.Key = "AQIDBAUGBwgJCgsMDQ4PEC=="
			r.Header["Sec-Websocket-Key"] = []string{r.Key}
		}),
	},
	{
		name:    "RFC 6455 §11.3.1: Sec-WebSocket-Key MUST NOT appear more than once",
		in:      example(nil, "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA=="),
		wantErr: bad(400, "Sec-WebSocket-Key", "ErrBadKey"),
	},
	// RFC 6455 §4.2.1 step 6 and §4.2.2 /version/: Sec-WebSocket-Version 13, else 426.
	{
		name:    "RFC 6455 §4.2.2 /version/: missing Sec-WebSocket-Version is 426",
		in:      example([]string{"Sec-WebSocket-Version"}),
		wantErr: bad(426, "Sec-WebSocket-Version", "ErrBadVersion"),
	},
	{
		name:    "RFC 6455 §4.2.2 /version/: version 8 is 426",
		in:      example([]string{"Sec-WebSocket-Version"}, "Sec-WebSocket-Version: 8"),
		wantErr: bad(426, "Sec-WebSocket-Version", "ErrBadVersion"),
	},
	{
		name:    "RFC 6455 §4.3: a client sends one version, not a list",
		in:      example([]string{"Sec-WebSocket-Version"}, "Sec-WebSocket-Version: 13, 8"),
		wantErr: bad(426, "Sec-WebSocket-Version", "ErrBadVersion"),
	},
	{
		name:    "RFC 6455 §11.3.5: Sec-WebSocket-Version MUST NOT appear more than once",
		in:      example(nil, "Sec-WebSocket-Version: 13"),
		wantErr: bad(400, "Sec-WebSocket-Version", "ErrBadVersion"),
	},
	{
		name:    "RFC 6455 §4.2.2: version is checked before the key, so old drafts learn 13",
		in:      example([]string{"Sec-WebSocket-Version", "Sec-WebSocket-Key"}),
		wantErr: bad(426, "Sec-WebSocket-Version", "ErrBadVersion"),
	},
	// RFC 6455 §4.2.1 step 7: Origin is optional and exposed for the server's policy.
	{
		name: "RFC 6455 §4.2.1 step 7: no Origin (not a browser)",
		in:   example([]string{"Origin"}),
		want: exampleRequest(func(r *handshake.Request) {
			r.Origin = ""
			delete(r.Header, "Origin")
		}),
	},
	{
		name:    "RFC 6454 §7.3: repeated Origin",
		in:      example(nil, "Origin: http://evil.example"),
		wantErr: bad(400, "Origin", "ErrBadOrigin"),
	},
	// RFC 6455 §4.2.1 step 8: Sec-WebSocket-Protocol, 1#token, unique (§4.1 step 10).
	{
		name: "RFC 6455 §4.2.1 step 8: no subprotocols",
		in:   example([]string{"Sec-WebSocket-Protocol"}),
		want: exampleRequest(func(r *handshake.Request) {
			r.Protocols = nil
			delete(r.Header, "Sec-Websocket-Protocol")
		}),
	},
	{
		name: "RFC 6455 §11.3.4: subprotocols over repeated lines keep their order",
		in:   example(nil, "Sec-WebSocket-Protocol: v2.chat"),
		want: exampleRequest(func(r *handshake.Request) {
			r.Protocols = []string{"chat", "superchat", "v2.chat"}
			r.Header["Sec-Websocket-Protocol"] = []string{"chat, superchat", "v2.chat"}
		}),
	},
	{
		name:    "RFC 6455 §4.1 step 10: subprotocol must be a token",
		in:      example([]string{"Sec-WebSocket-Protocol"}, "Sec-WebSocket-Protocol: chat, s/p"),
		wantErr: bad(400, "Sec-WebSocket-Protocol", "ErrBadProtocols"),
	},
	{
		name:    "RFC 6455 §4.1 step 10: subprotocols MUST all be unique",
		in:      example(nil, "Sec-WebSocket-Protocol: chat"),
		wantErr: bad(400, "Sec-WebSocket-Protocol", "ErrBadProtocols"),
	},
	// RFC 6455 §4.2.1 step 9: Sec-WebSocket-Extensions per §9.1.
	{
		name: "RFC 6455 §4.2.1 step 9: extension offers as Chrome sends them",
		in:   example(nil, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"),
		want: exampleRequest(func(r *handshake.Request) {
			r.Extensions = []extension.Extension{{
				Name:   "permessage-deflate",
				Params: []extension.Param{{Name: "client_max_window_bits"}},
			}}
			r.Header["Sec-Websocket-Extensions"] = []string{"permessage-deflate; client_max_window_bits"}
		}),
	},
	{
		name:    "RFC 6455 §9.1: malformed extension list MUST fail",
		in:      example(nil, "Sec-WebSocket-Extensions: permessage-deflate;"),
		wantErr: bad(400, "Sec-WebSocket-Extensions", "ErrBadExtensions"),
	},
	// RFC 6455 §4.2.1 step 10 and §4.1: other headers are ignored; names are case-insensitive.
	{
		name: "RFC 6455 §4.2.1 step 10: unknown header fields are kept, not checked",
		in:   example(nil, "Cookie: a=b; c=d", "X-Empty:", "X-Odd: \x80\xff"),
		want: exampleRequest(func(r *handshake.Request) {
			r.Header["Cookie"] = []string{"a=b; c=d"}
			r.Header["X-Empty"] = []string{""}
			r.Header["X-Odd"] = []string{"\x80\xff"}
		}),
	},
	{
		name: "RFC 6455 §4.1: header names are case-insensitive",
		in: head("GET /chat HTTP/1.1", "host: server.example.com", "UPGRADE: websocket",
			"connection: upgrade", "sec-websocket-key: "+exampleKey, "sec-websocket-version: 13"),
		want: &handshake.Request{
			Method: "GET", Target: "/chat", Proto: "HTTP/1.1", Host: "server.example.com", Key: exampleKey,
			Header: http.Header{
				"Upgrade":               {"websocket"},
				"Connection":            {"upgrade"},
				"Sec-Websocket-Key":     {exampleKey},
				"Sec-Websocket-Version": {"13"},
			},
		},
	},
	{
		name: "RFC 9110 §5.5: whitespace around values is not part of them",
		in:   example([]string{"Sec-WebSocket-Key"}, "Sec-WebSocket-Key:\t "+exampleKey+" \t"),
		want: exampleRequest(nil),
	},
	// RFC 6455 §4.2.1: "any violations of the ABNF grammar" are 400; here RFC 9112's.
	{
		name: "RFC 9112 §2.2: empty lines before the request line are ignored",
		in:   "\r\n\r\n" + example(nil),
		want: exampleRequest(nil),
	},
	{
		name:    "RFC 9112 §2.2: bare LF line ending is refused on purpose",
		in:      "GET /chat HTTP/1.1\nHost: server.example.com\n\n",
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §2.2: bare LF in a header line",
		in:      example(nil, "X-A: 1\nX-B: 2"),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §2.2: bare LF as the final empty line",
		in:      strings.TrimSuffix(example(nil), "\r\n") + "\n",
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9110 §5.5: bare CR inside a value",
		in:      example(nil, "X-A: 1\r2"),
		wantErr: bad(400, "X-A", "ErrMalformed"),
	},
	{
		name:    "RFC 9110 §5.5: NUL inside a value",
		in:      example(nil, "X-A: 1\x002"),
		wantErr: bad(400, "X-A", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §5.2: obs-fold continuation line",
		in:      example(nil, "X-A: 1", " 2"),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §5.2: tab-led continuation line",
		in:      example(nil, "X-A: 1", "\t2"),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §5.1: whitespace between name and colon MUST be rejected",
		in:      example(nil, "X-A : 1"),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9110 §5.1: header name with a non-token character",
		in:      example(nil, "X(A): 1"),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §5: header line without colon",
		in:      example(nil, "X-A 1"),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §5: empty header name",
		in:      example(nil, ": 1"),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §3: request line with two spaces",
		in:      exampleWithLine("GET  /chat HTTP/1.1", nil),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §3: request line without version",
		in:      exampleWithLine("GET /chat", nil),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §3: request line with trailing space",
		in:      exampleWithLine("GET /chat HTTP/1.1 ", nil),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §2.3: HTTP-name is case-sensitive",
		in:      exampleWithLine("GET /chat http/1.1", nil),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §2.3: two-digit version",
		in:      exampleWithLine("GET /chat HTTP/1.10", nil),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §3: method must be a token",
		in:      exampleWithLine("G(T /chat HTTP/1.1", nil),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 3986: request-target with non-ASCII byte",
		in:      exampleWithLine("GET /ch\xe4t HTTP/1.1", nil),
		wantErr: bad(400, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §3: request line with a control character",
		in:      exampleWithLine("GET /chat\x01 HTTP/1.1", nil),
		wantErr: bad(400, "", "ErrMalformed"),
	},
}

func TestReadRequest(t *testing.T) {
	for _, tt := range requestTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handshake.ReadRequest(bufio.NewReader(strings.NewReader(tt.in)), handshake.Limits{})
			if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
				t.Fatalf("ReadRequest error mismatch (-want +got):\n%s\nerr: %v", diff, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadRequest mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestErrorMessage pins the message format callers log.
func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"with header", example([]string{"Sec-WebSocket-Key"}, "Sec-WebSocket-Key: AQID"), "handshake: 400 Sec-WebSocket-Key: not base64 of 16 bytes"},
		{"without header", exampleWithLine("PUT /chat HTTP/1.1", nil), "handshake: 405 method must be GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := handshake.ReadRequest(bufio.NewReader(strings.NewReader(tt.in)), handshake.Limits{})
			if err == nil {
				t.Fatal("ReadRequest accepted the request")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Error() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
