package extension_test

import (
	"errors"
	"testing"

	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/google/go-cmp/cmp"
)

type ext = extension.Extension
type param = extension.Param

// extensionTests: every row is an input to Parse.
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

func TestParse(t *testing.T) {
	for _, tt := range extensionTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extension.Parse(tt.in)
			var se *extension.SyntaxError
			if gotErr := errors.As(err, &se) && se.Reason != ""; gotErr != tt.wantErr || (err != nil) != tt.wantErr {
				t.Fatalf("Parse(%q) error %v; want a *SyntaxError: %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestAppend(t *testing.T) {
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
			got := string(extension.Append([]byte(nil), tt.in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Append mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtensionsRoundTrip re-serializes every accepted row and parses it back.
func TestRoundTrip(t *testing.T) {
	for _, tt := range extensionTests {
		if tt.wantErr || tt.want == nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			out := string(extension.Append(nil, tt.want))
			got, err := extension.Parse([]string{out})
			if err != nil {
				t.Fatalf("Parse(%q): %v", out, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("round trip through %q (-want +got):\n%s", out, diff)
			}
		})
	}
}
