package handshake_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

// readMakers delivers the same bytes in differently sized pieces, as a socket may.
var readMakers = []struct {
	name string
	fn   func(io.Reader) io.Reader
}{
	{"full", func(r io.Reader) io.Reader { return r }},
	{"byte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"data+err", iotest.DataErrReader},
}

// bufSizes include bufio's minimum, which forces lines longer than the buffer.
var bufSizes = []int{16, 64, 4096}

// TestReadRequestShortReads checks every row of requestTests gives the same answer however
// the bytes arrive and however small the bufio.Reader is.
func TestReadRequestShortReads(t *testing.T) {
	for _, tt := range requestTests {
		for _, rm := range readMakers {
			for _, size := range bufSizes {
				t.Run(fmt.Sprintf("%s/%s/%d", tt.name, rm.name, size), func(t *testing.T) {
					br := bufio.NewReaderSize(rm.fn(strings.NewReader(tt.in)), size)
					got, err := handshake.ReadRequest(br, handshake.Limits{})
					if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
						t.Fatalf("error mismatch (-want +got):\n%s\nerr: %v", diff, err)
					}
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("request mismatch (-want +got):\n%s", diff)
					}
				})
			}
		}
	}
}

// TestReadRequestLeavesFirstFrame sends a masked text frame in the same write as the request:
// the frame must stay in the bufio.Reader for the connection (cowboy's
// ws_first_frame_with_handshake).
func TestReadRequestLeavesFirstFrame(t *testing.T) {
	frame := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58} // "Hello", RFC 6455 §5.7
	for _, rm := range readMakers {
		for _, size := range bufSizes {
			t.Run(fmt.Sprintf("%s/%d", rm.name, size), func(t *testing.T) {
				in := append([]byte(example(nil)), frame...)
				br := bufio.NewReaderSize(rm.fn(bytes.NewReader(in)), size)
				if _, err := handshake.ReadRequest(br, handshake.Limits{}); err != nil {
					t.Fatalf("ReadRequest: %v", err)
				}
				rest, err := io.ReadAll(br)
				if err != nil {
					t.Fatalf("reading the rest: %v", err)
				}
				if diff := cmp.Diff(frame, rest); diff != "" {
					t.Errorf("bytes after the head (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestReadRequestEOF(t *testing.T) {
	full := example(nil)
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"nothing read", "", io.EOF},
		{"only empty lines before the request line", "\r\n", io.ErrUnexpectedEOF},
		{"inside the request line", full[:5], io.ErrUnexpectedEOF},
		{"inside a header line", full[:40], io.ErrUnexpectedEOF},
		{"before the final empty line", full[:len(full)-2], io.ErrUnexpectedEOF},
		{"after the final CR", full[:len(full)-1], io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := handshake.ReadRequest(bufio.NewReader(strings.NewReader(tt.in)), handshake.Limits{})
			if !errors.Is(err, tt.want) || errors.As(err, new(*handshake.Error)) {
				t.Errorf("ReadRequest(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

// TestReadRequestLimits puts each limit exactly at and one below what the request needs.
func TestReadRequestLimits(t *testing.T) {
	base := example(nil)
	const baseFields = 7 // header lines in exampleLines
	requestLine := len("GET /chat HTTP/1.1\r\n")
	withFields := func(n int) string {
		var extra []string
		for i := range n {
			extra = append(extra, fmt.Sprintf("X-F%d: v", i))
		}
		return example(nil, extra...)
	}
	// padded is a request of exactly n head bytes, reached with one long header line.
	padded := func(n int) string {
		pad := n - len(base) - len("X-Pad: \r\n")
		return example(nil, "X-Pad: "+strings.Repeat("p", pad))
	}
	tests := []struct {
		name    string
		in      string
		lim     handshake.Limits
		wantErr *errCase
	}{
		{"bytes: head exactly MaxHeaderBytes", base, handshake.Limits{MaxHeaderBytes: len(base)}, nil},
		{"bytes: head one over MaxHeaderBytes", base, handshake.Limits{MaxHeaderBytes: len(base) - 1}, bad(431, "", "ErrTooLarge")},
		{"bytes: leading empty lines count", "\r\n" + base, handshake.Limits{MaxHeaderBytes: len(base) + 1}, bad(431, "", "ErrTooLarge")},
		{"bytes: request line exactly fits", base, handshake.Limits{MaxHeaderBytes: requestLine}, bad(431, "", "ErrTooLarge")},
		{"bytes: request line one over is 414", base, handshake.Limits{MaxHeaderBytes: requestLine - 1}, bad(414, "", "ErrTooLarge")},
		{"bytes: default allows 16 KiB", padded(handshake.DefaultMaxHeaderBytes), handshake.Limits{}, nil},
		{"bytes: default refuses 16 KiB + 1", padded(handshake.DefaultMaxHeaderBytes + 1), handshake.Limits{}, bad(431, "", "ErrTooLarge")},
		{"bytes: negative means default", padded(handshake.DefaultMaxHeaderBytes + 1), handshake.Limits{MaxHeaderBytes: -1}, bad(431, "", "ErrTooLarge")},
		{"lines: exactly MaxHeaders", base, handshake.Limits{MaxHeaders: baseFields}, nil},
		{"lines: one over MaxHeaders", base, handshake.Limits{MaxHeaders: baseFields - 1}, bad(431, "", "ErrTooLarge")},
		{"lines: default allows 64", withFields(handshake.DefaultMaxHeaders - baseFields), handshake.Limits{}, nil},
		{"lines: default refuses 65", withFields(handshake.DefaultMaxHeaders - baseFields + 1), handshake.Limits{}, bad(431, "", "ErrTooLarge")},
	}
	for _, tt := range tests {
		for _, size := range bufSizes {
			t.Run(fmt.Sprintf("%s/%d", tt.name, size), func(t *testing.T) {
				br := bufio.NewReaderSize(strings.NewReader(tt.in), size)
				_, err := handshake.ReadRequest(br, tt.lim)
				if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
					t.Errorf("error mismatch (-want +got):\n%s\nerr: %v", diff, err)
				}
			})
		}
	}
}

// TestReadRequestUnboundedLine feeds an endless header line: reading must stop at the limit
// rather than buffer without bound.
func TestReadRequestUnboundedLine(t *testing.T) {
	endless := io.MultiReader(strings.NewReader("GET / HTTP/1.1\r\nX: "), repeatReader('a'))
	_, err := handshake.ReadRequest(bufio.NewReaderSize(endless, 16), handshake.Limits{MaxHeaderBytes: 1 << 20})
	if diff := cmp.Diff(bad(431, "", "ErrTooLarge"), describe(err)); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestFromHTTP checks FromHTTP against ReadRequest on every row net/http can parse: same
// Request, same error. net/http's server removes Host from the header map, so do we.
func TestFromHTTP(t *testing.T) {
	compared := 0
	for _, tt := range requestTests {
		hr, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tt.in)))
		if err != nil || tt.wantErr != nil && tt.wantErr.Kind == "ErrMalformed" {
			continue // net/http refuses it, or it is a syntax row net/http is more lenient about
		}
		if hr.ProtoMajor == 2 {
			// net/http's HTTP/1 server refuses an HTTP/2.0 request line; a request with
			// ProtoMajor 2 reaching FromHTTP came over HTTP/2 (TestFromHTTP2).
			continue
		}
		compared++
		t.Run(tt.name, func(t *testing.T) {
			delete(hr.Header, "Host")
			got, err := handshake.FromHTTP(hr)
			if diff := cmp.Diff(tt.wantErr, describe(err)); diff != "" {
				t.Fatalf("FromHTTP error mismatch (-want +got):\n%s\nerr: %v", diff, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromHTTP mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if compared < len(requestTests)/2 {
		t.Errorf("only %d of %d rows compared", compared, len(requestTests))
	}
}

// TestFromHTTPBuiltInProcess covers a request made with http.NewRequest, which has no
// RequestURI: the target comes from the URL.
func TestFromHTTPBuiltInProcess(t *testing.T) {
	hr, err := http.NewRequest("GET", "http://server.example.com/chat?x=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Upgrade", "websocket")
	hr.Header.Set("Connection", "Upgrade")
	hr.Header.Set("Sec-WebSocket-Key", exampleKey)
	hr.Header.Set("Sec-WebSocket-Version", "13")
	got, err := handshake.FromHTTP(hr)
	if err != nil {
		t.Fatalf("FromHTTP: %v", err)
	}
	want := &handshake.Request{
		Method: "GET", Target: "/chat?x=1", Proto: "HTTP/1.1", Host: "server.example.com", Key: exampleKey,
		Header: hr.Header,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromHTTP mismatch (-want +got):\n%s", diff)
	}
}
