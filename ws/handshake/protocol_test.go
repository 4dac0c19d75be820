package handshake_test

import (
	"testing"

	"github.com/bronco-ws/bronco/ws/handshake"
	"github.com/google/go-cmp/cmp"
)

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
