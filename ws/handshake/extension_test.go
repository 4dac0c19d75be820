package handshake_test

import (
	"testing"

	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

type ext = handshake.Extension
type param = handshake.Param

// extensionTests is shared with the fuzz seeds: every row is an input to ParseExtensions.
var extensionTests = []struct {
	name    string
	in      []string
	want    []ext
	wantErr bool
}{
	{name: "no header", in: nil, want: nil},
	{name: "RFC 7692 §5: bare extension name", in: []string{"permessage-deflate"}, want: []ext{{Name: "permessage-deflate"}}},
	{
		name: "RFC 6455 §9.1: parameters with and without values",
		in:   []string{"permessage-deflate; client_max_window_bits; server_max_window_bits=10"},
		want: []ext{{Name: "permessage-deflate", Params: []param{
			{Name: "client_max_window_bits"},
			{Name: "server_max_window_bits", Value: "10", HasValue: true},
		}}},
	},
	{
		name: "RFC 6455 §9.1 example: mux; max-channels=4; flow-control, deflate-stream",
		in:   []string{"mux; max-channels=4; flow-control, deflate-stream"},
		want: []ext{
			{Name: "mux", Params: []param{{Name: "max-channels", Value: "4", HasValue: true}, {Name: "flow-control"}}},
			{Name: "deflate-stream"},
		},
	},
	{
		name: "RFC 6455 §9.1: split over lines is exactly equivalent to one line",
		in:   []string{"foo", "bar; baz=2"},
		want: []ext{{Name: "foo"}, {Name: "bar", Params: []param{{Name: "baz", Value: "2", HasValue: true}}}},
	},
	{
		name: "RFC 6455 §9.1: quoted-string value that is a token",
		in:   []string{`foo; bar="10"`},
		want: []ext{{Name: "foo", Params: []param{{Name: "bar", Value: "10", HasValue: true}}}},
	},
	{
		name: "RFC 9110 §5.6.4: quoted-pair is unescaped before the token check",
		in:   []string{`foo; bar="1\0"`},
		want: []ext{{Name: "foo", Params: []param{{Name: "bar", Value: "10", HasValue: true}}}},
	},
	{
		name: "RFC 9110 §5.6.3: OWS around , ; and =",
		in:   []string{" \tfoo\t;  bar =\t1 ;baz,qux ; q = \"x\"  "},
		want: []ext{
			{Name: "foo", Params: []param{{Name: "bar", Value: "1", HasValue: true}, {Name: "baz"}}},
			{Name: "qux", Params: []param{{Name: "q", Value: "x", HasValue: true}}},
		},
	},
	{
		name: "RFC 9110 §5.6.1: empty list elements are ignored",
		in:   []string{", foo,, ,bar ,", ","},
		want: []ext{{Name: "foo"}, {Name: "bar"}},
	},
	{
		name: "RFC 6455 §9.1: the same extension offered twice keeps both offers",
		in:   []string{"permessage-deflate; server_max_window_bits=10, permessage-deflate"},
		want: []ext{
			{Name: "permessage-deflate", Params: []param{{Name: "server_max_window_bits", Value: "10", HasValue: true}}},
			{Name: "permessage-deflate"},
		},
	},
	{name: "RFC 6455 §9.1 1#extension: empty value", in: []string{""}, wantErr: true},
	{name: "RFC 6455 §9.1 1#extension: only commas", in: []string{" , ,"}, wantErr: true},
	{name: "RFC 6455 §9.1: trailing semicolon", in: []string{"foo;"}, wantErr: true},
	{name: "RFC 6455 §9.1: empty parameter", in: []string{"foo;;bar"}, wantErr: true},
	{name: "RFC 6455 §9.1: parameter without extension", in: []string{"; bar"}, wantErr: true},
	{name: "RFC 6455 §9.1: two tokens without separator", in: []string{"foo bar"}, wantErr: true},
	{name: "RFC 6455 §9.1: value on the extension name", in: []string{"foo=1"}, wantErr: true},
	{name: "RFC 6455 §9.1: parameter name missing before =", in: []string{"foo; =1"}, wantErr: true},
	{name: "RFC 6455 §9.1: = without value", in: []string{"foo; a="}, wantErr: true},
	{name: "RFC 6455 §9.1: = followed by comma", in: []string{"foo; a=, bar"}, wantErr: true},
	{name: "RFC 6455 §9.1: non-token name", in: []string{"f/o"}, wantErr: true},
	{name: "RFC 6455 §9.1: non-token parameter value", in: []string{"foo; a=b/c"}, wantErr: true},
	{name: "RFC 6455 §9.1: quoted value MUST be a token after unescaping", in: []string{`foo; a="b c"`}, wantErr: true},
	{name: "RFC 6455 §9.1: empty quoted value is not a token", in: []string{`foo; a=""`}, wantErr: true},
	{name: "RFC 9110 §5.6.4: unterminated quoted string", in: []string{`foo; a="10`}, wantErr: true},
	{name: "RFC 9110 §5.6.4: backslash at the end", in: []string{`foo; a="10\`}, wantErr: true},
	{name: "RFC 9110 §5.6.4: control character in quoted string", in: []string{"foo; a=\"1\x010\""}, wantErr: true},
	{name: "RFC 9110 §5.6.4: text after a quoted string", in: []string{`foo; a="1"0`}, wantErr: true},
	{name: "RFC 6455 §9.1: one bad line fails the whole header", in: []string{"foo", "bar;"}, wantErr: true},
}

func TestParseExtensions(t *testing.T) {
	for _, tt := range extensionTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handshake.ParseExtensions(tt.in)
			var wantErr *errCase
			if tt.wantErr {
				wantErr = bad(400, "Sec-WebSocket-Extensions", "ErrBadExtensions")
			}
			if diff := cmp.Diff(wantErr, describe(err)); diff != "" {
				t.Fatalf("ParseExtensions(%q) error mismatch (-want +got):\n%s", tt.in, diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseExtensions(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestAppendExtensions(t *testing.T) {
	tests := []struct {
		name string
		in   []ext
		want string
	}{
		{"none", nil, ""},
		{"name only", []ext{{Name: "permessage-deflate"}}, "permessage-deflate"},
		{
			"RFC 7692 §7.1 response",
			[]ext{{Name: "permessage-deflate", Params: []param{{Name: "server_no_context_takeover"}, {Name: "client_max_window_bits", Value: "10", HasValue: true}}}},
			"permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
		},
		{"several extensions", []ext{{Name: "a"}, {Name: "b", Params: []param{{Name: "c"}}}}, "a, b; c"},
		{"RFC 9110 §5.6.4: non-token value is quoted", []ext{{Name: "a", Params: []param{{Name: "p", Value: "x y", HasValue: true}}}}, `a; p="x y"`},
		{"RFC 9110 §5.6.4: quote and backslash are escaped", []ext{{Name: "a", Params: []param{{Name: "p", Value: `"\`, HasValue: true}}}}, `a; p="\"\\"`},
		{"empty value with HasValue is quoted", []ext{{Name: "a", Params: []param{{Name: "p", HasValue: true}}}}, `a; p=""`},
		{"HasValue false ignores Value", []ext{{Name: "a", Params: []param{{Name: "p", Value: "x"}}}}, "a; p"},
		{"non-token extension name is left out", []ext{{Name: "a\r\nX: y"}, {Name: "b"}}, "b"},
		{"non-token parameter name is left out", []ext{{Name: "a", Params: []param{{Name: "p q"}, {Name: "r"}}}}, "a; r"},
		{"control character in value is left out", []ext{{Name: "a", Params: []param{{Name: "p", Value: "\r\n", HasValue: true}}}}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(handshake.AppendExtensions([]byte(nil), tt.in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("AppendExtensions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtensionsRoundTrip re-serializes every accepted row and parses it back.
func TestExtensionsRoundTrip(t *testing.T) {
	for _, tt := range extensionTests {
		if tt.wantErr || tt.want == nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			out := string(handshake.AppendExtensions(nil, tt.want))
			got, err := handshake.ParseExtensions([]string{out})
			if err != nil {
				t.Fatalf("ParseExtensions(%q): %v", out, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("round trip through %q (-want +got):\n%s", out, diff)
			}
		})
	}
}

func TestParseProtocols(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    []string
		wantErr bool
	}{
		{name: "no header", in: nil, want: nil},
		{name: "RFC 6455 §1.2 example", in: []string{"chat, superchat"}, want: []string{"chat", "superchat"}},
		{name: "RFC 6455 §11.3.4: repeated lines in order", in: []string{"a", " b ,\tc"}, want: []string{"a", "b", "c"}},
		{name: "RFC 9110 §5.6.1: empty elements ignored", in: []string{",a,,b,"}, want: []string{"a", "b"}},
		{name: "RFC 6455 §4.1 step 10: names are case-sensitive, so a and A differ", in: []string{"a, A"}, want: []string{"a", "A"}},
		{name: "RFC 6455 §4.1 step 10: 1#token, empty value", in: []string{""}, wantErr: true},
		{name: "RFC 6455 §4.1 step 10: 1#token, only commas", in: []string{", ,"}, wantErr: true},
		{name: "RFC 6455 §4.1 step 10: separator character", in: []string{"a;b"}, wantErr: true},
		{name: "RFC 6455 §4.1 step 10: space inside element", in: []string{"a b"}, wantErr: true},
		{name: "RFC 6455 §4.1 step 10: non-ASCII", in: []string{"ch\xc3\xa4t"}, wantErr: true},
		{name: "RFC 6455 §4.1 step 10: MUST all be unique", in: []string{"a, b", "a"}, wantErr: true},
		{name: "RFC 6455 §4.1 step 10: unique check on a long list", in: []string{"p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,p10,p11,p12,p13,p14,p15,p16,p17,p3"}, wantErr: true},
		{name: "long list without repeats", in: []string{"p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,p10,p11,p12,p13,p14,p15,p16,p17"},
			want: []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13", "p14", "p15", "p16", "p17"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handshake.ParseProtocols(tt.in)
			var wantErr *errCase
			if tt.wantErr {
				wantErr = bad(400, "Sec-WebSocket-Protocol", "ErrBadProtocols")
			}
			if diff := cmp.Diff(wantErr, describe(err)); diff != "" {
				t.Fatalf("ParseProtocols(%q) error mismatch (-want +got):\n%s", tt.in, diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseProtocols(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
