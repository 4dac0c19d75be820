package handshake_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// exampleClient is the client side of the RFC 6455 §1.2 example.
func exampleClient() handshake.ClientRequest {
	return handshake.ClientRequest{
		Host:       "server.example.com",
		Target:     "/chat",
		Origin:     "http://example.com",
		Key:        exampleKey,
		Protocols:  []string{"chat", "superchat"},
		Extensions: []ext{{Name: "permessage-deflate", Params: []param{{Name: "client_max_window_bits"}}}},
	}
}

func TestAppendClientRequest(t *testing.T) {
	cr := exampleClient()
	cr.Header = http.Header{"Authorization": {"Bearer t"}, "Upgrade": {"h2c"}, "X-Bad": {"\r\n"}}
	got := string(handshake.AppendClientRequest(nil, cr))
	want := "GET /chat HTTP/1.1\r\n" +
		"Host: server.example.com\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + exampleKey + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"Origin: http://example.com\r\n" +
		"Sec-WebSocket-Protocol: chat, superchat\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
		"Authorization: Bearer t\r\n" +
		"\r\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("AppendClientRequest mismatch (-want +got):\n%s", diff)
	}
}

// TestClientRequestRoundTrip checks RFC 6455 §4.1: what the client writes is a request the
// server side accepts, with the offers intact.
func TestClientRequestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		cr   handshake.ClientRequest
	}{
		{"RFC 6455 §1.2 example", exampleClient()},
		{"RFC 6455 §4.1: minimal, Target defaults to /", handshake.ClientRequest{Host: "h:8080", Key: exampleKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cr.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			b := handshake.AppendClientRequest(nil, tt.cr)
			req, err := handshake.ReadRequest(bufio.NewReader(bytes.NewReader(b)), handshake.Limits{})
			if err != nil {
				t.Fatalf("ReadRequest(%q): %v", b, err)
			}
			target := tt.cr.Target
			if target == "" {
				target = "/"
			}
			type offer struct {
				Host, Target, Origin, Key string
				Protocols                 []string
				Extensions                []ext
			}
			want := offer{tt.cr.Host, target, tt.cr.Origin, tt.cr.Key, tt.cr.Protocols, tt.cr.Extensions}
			got := offer{req.Host, req.Target, req.Origin, req.Key, req.Protocols, req.Extensions}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("server read mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientRequestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*handshake.ClientRequest)
		want *errCase
	}{
		{"valid", func(*handshake.ClientRequest) {}, nil},
		{"RFC 6455 §4.1 step 1: Host required", func(c *handshake.ClientRequest) { c.Host = "" }, bad(0, "Host", "ErrInvalidClientRequest")},
		{"RFC 6455 §3: resource name starts with /", func(c *handshake.ClientRequest) { c.Target = "chat" }, bad(0, "", "ErrInvalidClientRequest")},
		{"RFC 6455 §3: fragment MUST NOT be used", func(c *handshake.ClientRequest) { c.Target = "/chat#x" }, bad(0, "", "ErrInvalidClientRequest")},
		{"RFC 6455 §4.1 step 7: key must be 16 bytes", func(c *handshake.ClientRequest) { c.Key = "AQID" }, bad(0, "Sec-WebSocket-Key", "ErrInvalidClientRequest")},
		{"RFC 6455 §4.1 step 10: protocol must be a token", func(c *handshake.ClientRequest) { c.Protocols = []string{"a b"} }, bad(0, "Sec-WebSocket-Protocol", "ErrInvalidClientRequest")},
		{"RFC 6455 §4.1 step 10: protocols MUST be unique", func(c *handshake.ClientRequest) { c.Protocols = []string{"a", "a"} }, bad(0, "Sec-WebSocket-Protocol", "ErrInvalidClientRequest")},
		{"RFC 6455 §9.1: extension name must be a token", func(c *handshake.ClientRequest) { c.Extensions = []ext{{Name: ""}} }, bad(0, "Sec-WebSocket-Extensions", "ErrInvalidClientRequest")},
		{"Origin with CRLF", func(c *handshake.ClientRequest) { c.Origin = "http://a\r\nX: 1" }, bad(0, "Origin", "ErrInvalidClientRequest")},
		{"reserved extra field", func(c *handshake.ClientRequest) { c.Header = http.Header{"Sec-Websocket-Version": {"8"}} }, bad(0, "Sec-Websocket-Version", "ErrInvalidClientRequest")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := exampleClient()
			tt.edit(&cr)
			if diff := cmp.Diff(tt.want, describe(cr.Validate())); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

const goodStatus = "HTTP/1.1 101 Switching Protocols"

var goodResponseLines = []string{
	"Upgrade: websocket",
	"Connection: Upgrade",
	"Sec-WebSocket-Accept: " + exampleAccept,
}

func response(extra ...string) string {
	return head(goodStatus, append(append([]string{}, goodResponseLines...), extra...)...)
}

func responseWithout(drop string, extra ...string) string {
	var lines []string
	for _, l := range goodResponseLines {
		if !strings.HasPrefix(l, drop+":") {
			lines = append(lines, l)
		}
	}
	return head(goodStatus, append(lines, extra...)...)
}

var goodHeader = http.Header{
	"Upgrade":              {"websocket"},
	"Connection":           {"Upgrade"},
	"Sec-Websocket-Accept": {exampleAccept},
}

func withHeader(kv ...string) http.Header {
	h := goodHeader.Clone()
	for i := 0; i < len(kv); i += 2 {
		h[kv[i]] = append(h[kv[i]], kv[i+1])
	}
	return h
}

// responseTests has one row per rule of RFC 6455 §4.1 for validating the server's response.
var responseTests = []struct {
	name    string
	in      string
	want    *handshake.ClientResult
	wantErr *errCase
}{
	{
		name: "RFC 6455 §1.2 example response",
		in:   response("Sec-WebSocket-Protocol: chat"),
		want: &handshake.ClientResult{Protocol: "chat", Header: withHeader("Sec-Websocket-Protocol", "chat")},
	},
	{
		name: "RFC 6455 §4.1: no subprotocol and no extensions are null values",
		in:   response(),
		want: &handshake.ClientResult{Header: goodHeader},
	},
	{
		name: "RFC 6455 §4.1: extensions in use, as the server listed them",
		in:   response("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10"),
		want: &handshake.ClientResult{
			Extensions: []ext{{Name: "permessage-deflate", Params: []param{{Name: "client_max_window_bits", Value: "10", HasValue: true}}}},
			Header:     withHeader("Sec-Websocket-Extensions", "permessage-deflate; client_max_window_bits=10"),
		},
	},
	{
		name: "RFC 6455 §4.1: header names and the websocket value are case-insensitive",
		in:   head("HTTP/1.1 101 ", "upgrade: WebSocket", "connection: keep-alive, upgrade", "sec-websocket-accept:  "+exampleAccept+" "),
		want: &handshake.ClientResult{Header: http.Header{
			"Upgrade": {"WebSocket"}, "Connection": {"keep-alive, upgrade"}, "Sec-Websocket-Accept": {exampleAccept},
		}},
	},
	{
		name: "RFC 9112 §4: status line without reason phrase",
		in:   head("HTTP/1.1 101", goodResponseLines...),
		want: &handshake.ClientResult{Header: goodHeader},
	},
	{
		name:    "RFC 6455 §4.1 step 1: status other than 101",
		in:      head("HTTP/1.1 401 Unauthorized", `WWW-Authenticate: Basic realm="ws"`),
		want:    &handshake.ClientResult{Header: http.Header{"Www-Authenticate": {`Basic realm="ws"`}}},
		wantErr: bad(401, "", "ErrBadStatus"),
	},
	{
		name:    "RFC 6455 §4.1 step 1: 200 is not an upgrade",
		in:      head("HTTP/1.1 200 OK", goodResponseLines...),
		want:    &handshake.ClientResult{Header: goodHeader},
		wantErr: bad(200, "", "ErrBadStatus"),
	},
	{
		name:    "RFC 6455 §4.1 step 2: missing Upgrade",
		in:      responseWithout("Upgrade"),
		wantErr: bad(101, "Upgrade", "ErrBadUpgrade"),
	},
	{
		name:    "RFC 6455 §4.1 step 2: Upgrade must match websocket, not contain it",
		in:      responseWithout("Upgrade", "Upgrade: websocket, h2c"),
		wantErr: bad(101, "Upgrade", "ErrBadUpgrade"),
	},
	{
		name:    "RFC 6455 §4.1 step 3: missing Connection",
		in:      responseWithout("Connection"),
		wantErr: bad(101, "Connection", "ErrBadConnection"),
	},
	{
		name:    "RFC 6455 §4.1 step 3: Connection without Upgrade",
		in:      responseWithout("Connection", "Connection: close"),
		wantErr: bad(101, "Connection", "ErrBadConnection"),
	},
	{
		name:    "RFC 6455 §4.1 step 4: missing Sec-WebSocket-Accept",
		in:      responseWithout("Sec-WebSocket-Accept"),
		wantErr: bad(101, "Sec-WebSocket-Accept", "ErrBadAccept"),
	},
	{
		name:    "RFC 6455 §4.1 step 4: wrong Sec-WebSocket-Accept",
		in:      responseWithout("Sec-WebSocket-Accept", "Sec-WebSocket-Accept: "+exampleKey),
		wantErr: bad(101, "Sec-WebSocket-Accept", "ErrBadAccept"),
	},
	{
		name:    "RFC 6455 §11.3.3: Sec-WebSocket-Accept MUST NOT appear more than once",
		in:      response("Sec-WebSocket-Accept: " + exampleAccept),
		wantErr: bad(101, "Sec-WebSocket-Accept", "ErrBadAccept"),
	},
	{
		name:    "RFC 6455 §4.1 step 5: extension not offered",
		in:      response("Sec-WebSocket-Extensions: x-webkit-deflate-frame"),
		wantErr: bad(101, "Sec-WebSocket-Extensions", "ErrUnofferedExtension"),
	},
	{
		name:    "RFC 6455 §9.1: malformed extensions in a response MUST fail",
		in:      response("Sec-WebSocket-Extensions: permessage-deflate;"),
		wantErr: bad(101, "Sec-WebSocket-Extensions", "ErrBadExtensions"),
	},
	{
		name:    "RFC 6455 §11.3.2: Sec-WebSocket-Extensions MUST NOT appear more than once",
		in:      response("Sec-WebSocket-Extensions: permessage-deflate", "Sec-WebSocket-Extensions: permessage-deflate"),
		wantErr: bad(101, "Sec-WebSocket-Extensions", "ErrBadExtensions"),
	},
	{
		name:    "RFC 6455 §4.1 step 6: subprotocol not offered",
		in:      response("Sec-WebSocket-Protocol: other"),
		wantErr: bad(101, "Sec-WebSocket-Protocol", "ErrUnofferedProtocol"),
	},
	{
		name:    "RFC 6455 §4.3: the server names one subprotocol, not a list",
		in:      response("Sec-WebSocket-Protocol: chat, superchat"),
		wantErr: bad(101, "Sec-WebSocket-Protocol", "ErrBadProtocols"),
	},
	{
		name:    "RFC 6455 §4.2.2 /subprotocol/: the empty string is not a legal value",
		in:      response("Sec-WebSocket-Protocol:"),
		wantErr: bad(101, "Sec-WebSocket-Protocol", "ErrBadProtocols"),
	},
	{
		name:    "RFC 6455 §11.3.4: Sec-WebSocket-Protocol MUST NOT appear more than once",
		in:      response("Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat"),
		wantErr: bad(101, "Sec-WebSocket-Protocol", "ErrBadProtocols"),
	},
	{
		name:    "RFC 9112 §4: malformed status line",
		in:      head("HTTP/1.1 1O1 Switching Protocols", goodResponseLines...),
		wantErr: bad(0, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §4: HTTP/2.0 status line",
		in:      head("HTTP/2.0 101 Switching Protocols", goodResponseLines...),
		wantErr: bad(0, "", "ErrMalformed"),
	},
	{
		name:    "RFC 9112 §2.2: bare LF in a response",
		in:      "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n",
		wantErr: bad(0, "", "ErrMalformed"),
	},
}

func TestReadResponse(t *testing.T) {
	cr := exampleClient()
	for _, tt := range responseTests {
		for _, rm := range readMakers {
			t.Run(tt.name+"/"+rm.name, func(t *testing.T) {
				br := bufio.NewReaderSize(rm.fn(strings.NewReader(tt.in)), 16)
				got, err := handshake.ReadResponse(br, handshake.Limits{}, cr)
				if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
					t.Fatalf("error mismatch (-want +got):\n%s\nerr: %v", diff, err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("result mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestReadResponseSubprotocolNotRequested is RFC 6455 §4.1 step 6 when the client offered
// none at all.
func TestReadResponseSubprotocolNotRequested(t *testing.T) {
	cr := exampleClient()
	cr.Protocols = nil
	_, err := handshake.ReadResponse(bufio.NewReader(strings.NewReader(response("Sec-WebSocket-Protocol: chat"))), handshake.Limits{}, cr)
	if diff := cmp.Diff(bad(101, "Sec-WebSocket-Protocol", "ErrUnofferedProtocol"), describe(err)); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}

// TestReadResponseLeavesFrames: a server may send its first frame right behind the 101.
func TestReadResponseLeavesFrames(t *testing.T) {
	frame := []byte{0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}
	for _, rm := range readMakers {
		t.Run(rm.name, func(t *testing.T) {
			in := append([]byte(response()), frame...)
			br := bufio.NewReaderSize(rm.fn(bytes.NewReader(in)), 16)
			if _, err := handshake.ReadResponse(br, handshake.Limits{}, exampleClient()); err != nil {
				t.Fatalf("ReadResponse: %v", err)
			}
			rest, err := io.ReadAll(br)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(frame, rest); diff != "" {
				t.Errorf("bytes after the head (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadResponseLimits(t *testing.T) {
	in := response()
	tests := []struct {
		lim  handshake.Limits
		want *errCase
	}{
		{handshake.Limits{MaxHeaderBytes: len(in)}, nil},
		{handshake.Limits{MaxHeaderBytes: len(in) - 1}, bad(0, "", "ErrTooLarge")},
		{handshake.Limits{MaxHeaderBytes: 10}, bad(0, "", "ErrTooLarge")},
		{handshake.Limits{MaxHeaders: len(goodResponseLines)}, nil},
		{handshake.Limits{MaxHeaders: len(goodResponseLines) - 1}, bad(0, "", "ErrTooLarge")},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.lim), func(t *testing.T) {
			_, err := handshake.ReadResponse(bufio.NewReader(strings.NewReader(in)), tt.lim, exampleClient())
			if diff := cmp.Diff(tt.want, describe(err)); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestServerClientRoundTrip runs both roles: the client's request read by the server, the
// server's answer (RFC 6455 §4.2.2) read and accepted by the client (§4.1).
func TestServerClientRoundTrip(t *testing.T) {
	cr := exampleClient()
	req, err := handshake.ReadRequest(bufio.NewReader(bytes.NewReader(handshake.AppendClientRequest(nil, cr))), handshake.Limits{})
	if err != nil {
		t.Fatalf("ReadRequest: %v", err)
	}
	resp := handshake.Response{
		Protocol:   req.Protocols[1],
		Extensions: []ext{{Name: "permessage-deflate", Params: []param{{Name: "server_no_context_takeover"}}}},
	}
	if err := resp.Validate(req); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	res, err := handshake.ReadResponse(bufio.NewReader(bytes.NewReader(handshake.AppendResponse(nil, req, resp))), handshake.Limits{}, cr)
	if err != nil {
		t.Fatalf("ReadResponse: %v", err)
	}
	if diff := cmp.Diff(resp.Protocol, res.Protocol); diff != "" {
		t.Errorf("protocol (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(resp.Extensions, res.Extensions); diff != "" {
		t.Errorf("extensions (-want +got):\n%s", diff)
	}
}
