package fuzz

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// handshakeSeeds are inputs from the ws/handshake request table: the RFC 6455 §1.2 example,
// a browser request, and the syntax rows most likely to lead the fuzzer somewhere.
var handshakeSeeds = []string{
	"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n" +
		"Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n",
	"GET HTTPS://other.example:8443/chat?x=1 HTTP/1.1\r\nHost: h\r\nUpgrade: h2c ,\tWebSocket\r\n" +
		"Connection: keep-alive\r\nConnection: , upgrade,\r\nSec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEC==\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x; a=\"1\\0\"\r\n\r\n\x81\x85\x37\xfa\x21\x3d\x7f",
	"\r\nGET / HTTP/1.2\r\nhost: a\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n",
	"GET /chat HTTP/1.1\nHost: server.example.com\n\n",
	"GET /chat HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n",
	"GET /chat HTTP/1.1\r\nX-A : 1\r\n\r\n",
	"POST /chat HTTP/1.0\r\nHost: a\r\n\r\n",
	"GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\n\r\n",
}

// FuzzHandshake feeds arbitrary bytes to handshake.ReadRequest and checks that
//   - it never panics, and gives the same answer whether the bytes arrive at once or one by one;
//   - a failure is io.EOF, io.ErrUnexpectedEOF or an *Error with a 4xx/5xx status, and
//     AppendErrorResponse for it is a response net/http can read;
//   - an accepted request has a key of 16 bytes by the standard library's base64, and
//     AppendResponse for it is a 101 that net/http reads back, whose Sec-WebSocket-Accept
//     matches SHA-1 computed here independently;
//   - where net/http also reads the request, FromHTTP agrees with ReadRequest (differential).
func FuzzHandshake(f *testing.F) {
	for _, s := range handshakeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := handshake.ReadRequest(bufio.NewReader(bytes.NewReader(data)), handshake.Limits{})
		slowReq, slowErr := handshake.ReadRequest(bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(data)), 16), handshake.Limits{})
		if diff := cmp.Diff(req, slowReq); diff != "" || errString(err) != errString(slowErr) {
			t.Fatalf("chunking changed the result: %v vs %v\n%s", err, slowErr, diff)
		}
		if err != nil {
			checkRejection(t, err)
		} else {
			checkAccepted(t, req)
		}
		compareNetHTTP(t, data, req, err)
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func checkRejection(t *testing.T, err error) {
	var he *handshake.Error
	if !errors.As(err, &he) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return
		}
		t.Fatalf("untyped error %v", err)
	}
	if he.Status < 400 || he.Status > 599 || he.Err == nil || !strings.HasPrefix(he.Error(), "handshake: ") {
		t.Fatalf("bad *Error %#v", he)
	}
	resp := handshake.AppendErrorResponse(nil, he.Status, he.Error(), nil)
	hr, rerr := http.ReadResponse(bufio.NewReader(bytes.NewReader(resp)), nil)
	if rerr != nil || hr.StatusCode != he.Status {
		t.Fatalf("net/http cannot read error response %q: %v", resp, rerr)
	}
	if he.Status == http.StatusUpgradeRequired && hr.Header.Get("Sec-WebSocket-Version") != "13" {
		t.Fatalf("426 without Sec-WebSocket-Version: %q", resp)
	}
}

func checkAccepted(t *testing.T, req *handshake.Request) {
	if raw, err := base64.StdEncoding.DecodeString(req.Key); err != nil || len(raw) != 16 {
		t.Fatalf("accepted key %q: %d bytes, %v", req.Key, len(raw), err)
	}
	resp := handshake.Response{Extensions: req.Extensions}
	if len(req.Protocols) > 0 {
		resp.Protocol = req.Protocols[len(req.Protocols)-1]
	}
	if err := resp.Validate(req); err != nil {
		t.Fatalf("echoing the offers is not a valid response: %v", err)
	}
	out := handshake.AppendResponse(nil, req, resp)
	hr, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
	if err != nil {
		t.Fatalf("net/http cannot read %q: %v", out, err)
	}
	sum := sha1.Sum([]byte(req.Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	want := base64.StdEncoding.EncodeToString(sum[:])
	if hr.StatusCode != 101 || hr.Header.Get("Sec-WebSocket-Accept") != want || len(hr.Header.Values("Sec-WebSocket-Accept")) != 1 {
		t.Fatalf("response %q: status %d, accept %q, want %q", out, hr.StatusCode, hr.Header.Get("Sec-WebSocket-Accept"), want)
	}
	if hr.Header.Get("Sec-WebSocket-Protocol") != resp.Protocol {
		t.Fatalf("response %q lost subprotocol %q", out, resp.Protocol)
	}
	exts, err := extension.Parse(hr.Header.Values("Sec-WebSocket-Extensions"))
	if err != nil {
		t.Fatalf("response %q: extensions do not parse back: %v", out, err)
	}
	if diff := cmp.Diff(req.Extensions, exts); diff != "" {
		t.Fatalf("extensions changed through the response (-offered +read):\n%s", diff)
	}
}

// compareNetHTTP reads data with net/http too. When both parsers accept the syntax, FromHTTP
// must reach the same verdict as ReadRequest. ReadRequest is deliberately stricter than
// net/http about syntax (bare LF, for one), and url.ParseRequestURI stricter about
// percent-encoding, so syntax-level disagreements are not compared.
func compareNetHTTP(t *testing.T, data []byte, req *handshake.Request, err error) {
	if err != nil && !errors.As(err, new(*handshake.Error)) ||
		errors.Is(err, handshake.ErrMalformed) || errors.Is(err, handshake.ErrTooLarge) {
		return
	}
	hr, herr := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
	if herr != nil || len(hr.Header["Host"]) != 1 {
		return // net/http's server answers 400 to a missing or repeated Host before any handler
	}
	if hr.ProtoMajor != 1 {
		return // net/http's HTTP/1 server refuses it; FromHTTP takes ProtoMajor 2 as HTTP/2 (FuzzHandshakeHTTP2)
	}
	delete(hr.Header, "Host")
	fromReq, fromErr := handshake.FromHTTP(hr)
	if errString(err) != errString(fromErr) {
		t.Fatalf("ReadRequest: %v; FromHTTP: %v", err, fromErr)
	}
	if diff := cmp.Diff(req, fromReq); diff != "" {
		t.Fatalf("ReadRequest and FromHTTP differ (-ReadRequest +FromHTTP):\n%s", diff)
	}
}

// FuzzHandshakeHTTP2 checks FromHTTP on RFC 8441 requests (WebSocket over HTTP/2) built from
// arbitrary bytes: net/http reads them as an HTTP/1 head, which then becomes what its HTTP/2
// server would hand a handler (ProtoMajor 2, the Upgrade field's value as the :protocol
// pseudo-header). It checks that FromHTTP never panics; that a refusal is an *Error with a
// 4xx/5xx status; that an accepted request is a CONNECT for :protocol websocket with version
// 13 and no key; that the answer HTTP2Header writes for it echoes the offers in a form that
// parses back; and, differentially, that the HTTP/1.1 path reads the same offers from the
// same fields.
func FuzzHandshakeHTTP2(f *testing.F) {
	seeds := []string{
		"CONNECT /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nOrigin: https://example.com\r\n" +
			"Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n" +
			"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"CONNECT /x?y=1 HTTP/1.1\r\nHost: a\r\nUpgrade: webtransport\r\nSec-WebSocket-Version: 13\r\n\r\n",
		"CONNECT / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Extensions: a;;b\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		hr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil || len(hr.Header["Host"]) != 1 {
			return
		}
		delete(hr.Header, "Host")
		h1 := hr.Header.Clone()
		hr.Proto, hr.ProtoMajor, hr.ProtoMinor = "HTTP/2.0", 2, 0
		if p, ok := hr.Header["Upgrade"]; ok {
			hr.Header[":protocol"] = p
			delete(hr.Header, "Upgrade")
		}
		req, err := handshake.FromHTTP(hr)
		if err != nil {
			var he *handshake.Error
			if !errors.As(err, &he) || he.Status < 400 || he.Status > 599 {
				t.Fatalf("refusal %v is not an *Error with a 4xx/5xx status", err)
			}
			return
		}
		if req.Method != http.MethodConnect || req.Header.Get(":protocol") != "websocket" ||
			req.Header.Get("Sec-WebSocket-Version") != "13" || req.Key != "" || req.Proto != "HTTP/2.0" {
			t.Fatalf("accepted %+v", req)
		}
		resp := handshake.Response{Extensions: req.Extensions}
		if len(req.Protocols) > 0 {
			resp.Protocol = req.Protocols[0]
		}
		out := http.Header{}
		resp.HTTP2Header(out)
		for _, name := range []string{"Upgrade", "Connection", "Sec-Websocket-Accept"} {
			if _, ok := out[name]; ok {
				t.Fatalf("HTTP/2 answer carries %s: %v", name, out)
			}
		}
		if out.Get("Sec-WebSocket-Protocol") != resp.Protocol {
			t.Fatalf("answer %v lost the subprotocol %q", out, resp.Protocol)
		}
		exts, err := extension.Parse(out.Values("Sec-WebSocket-Extensions"))
		if err != nil {
			t.Fatalf("answer %v: extensions do not parse back: %v", out, err)
		}
		if diff := cmp.Diff(req.Extensions, exts); diff != "" {
			t.Fatalf("extensions changed through the answer (-offered +read):\n%s", diff)
		}
		// The same offers over HTTP/1.1: a GET upgrade with a key.
		h1.Set("Upgrade", "websocket")
		h1.Set("Connection", "Upgrade")
		h1.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		r1 := &http.Request{Method: http.MethodGet, RequestURI: req.Target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Host: req.Host, Header: h1}
		if req1, err := handshake.FromHTTP(r1); err == nil {
			if diff := cmp.Diff([2]any{req.Protocols, req.Extensions}, [2]any{req1.Protocols, req1.Extensions}); diff != "" {
				t.Fatalf("HTTP/2 and HTTP/1.1 read different offers (-h2 +h1):\n%s", diff)
			}
		}
	})
}

// extensionSeeds are inputs from the ws/handshake extension table; "\n" separates header lines.
var extensionSeeds = []string{
	"permessage-deflate",
	"permessage-deflate; client_max_window_bits; server_max_window_bits=10",
	"mux; max-channels=4; flow-control, deflate-stream",
	"foo\nbar; baz=2",
	`foo; bar="1\0"`,
	" \tfoo\t;  bar =\t1 ;baz,qux ; q = \"x\"  ",
	", foo,, ,bar ,\n,",
	`foo; a="b c"`,
	`foo; a="10\`,
	"foo;;bar",
}

// FuzzExtensions checks that extension.Parse never panics, that what it accepts is
// made of tokens (RFC 6455 §9.1, quoted values included), and that extension.Append writes it
// back in a form that parses to the same value.
func FuzzExtensions(f *testing.F) {
	for _, s := range extensionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		values := strings.Split(in, "\n")
		exts, err := extension.Parse(values)
		if err != nil {
			var se *extension.SyntaxError
			if !errors.As(err, &se) || se.Reason == "" {
				t.Fatalf("Parse(%q): error %v is not an *extension.SyntaxError with a reason", values, err)
			}
			return
		}
		if len(exts) == 0 {
			t.Fatalf("Parse(%q) accepted an empty list", values)
		}
		for _, e := range exts {
			if !isHTTPToken(e.Name) {
				t.Fatalf("extension name %q is not a token", e.Name)
			}
			for _, p := range e.Params {
				if !isHTTPToken(p.Name) || p.HasValue && !isHTTPToken(p.Value) || !p.HasValue && p.Value != "" {
					t.Fatalf("parameter %+v breaks RFC 6455 §9.1", p)
				}
			}
		}
		out := string(extension.Append(nil, exts))
		again, err := extension.Parse([]string{out})
		if err != nil {
			t.Fatalf("Append output %q does not parse: %v", out, err)
		}
		if diff := cmp.Diff(exts, again); diff != "" {
			t.Fatalf("round trip through %q (-first +second):\n%s", out, diff)
		}
	})
}

// isHTTPToken is a second, independent spelling of RFC 9110's token.
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
