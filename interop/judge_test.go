package interop

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJudge checks the suite's own oracle: a run that did everything right passes, and each
// way of doing it wrong is named.
func TestJudge(t *testing.T) {
	want := &Cases{}
	want.Close.Code, want.Close.Reason = 4000, "bye é"
	good := &Close{4000, "bye é"}
	tests := []struct {
		name           string
		r              Result
		serverDeflates bool
		echoesReason   bool
		seen           *Close
		fails          []string
	}{
		{"plain run on a plain server", Result{Variant: "plain", Close: good}, false, true, good, nil},
		{"an offer declined by a plain server", Result{Variant: "deflate", Close: good}, false, true, good, nil},
		{"deflate agreed", Result{Variant: "deflate", Extensions: "permessage-deflate", Close: good}, true, true, good, nil},
		{"deflate not agreed", Result{Variant: "deflate", Close: good}, true, true, good,
			[]string{`extensions "": want permessage-deflate true (server deflates true, variant deflate)`}},
		{"deflate agreed though not offered", Result{Variant: "plain", Extensions: "permessage-deflate", Close: good}, true, true, good,
			[]string{`extensions "permessage-deflate": want permessage-deflate false (server deflates true, variant plain)`}},
		{"§7.1.2.1 window answered within the offer", Result{Variant: "smwb-9", Extensions: "permessage-deflate; server_max_window_bits=8", Close: good}, true, true, good, nil},
		{"§7.1.2.1 window answered over the offer", Result{Variant: "smwb-9", Extensions: "permessage-deflate; server_max_window_bits=10", Close: good}, true, true, good,
			[]string{`extensions "permessage-deflate; server_max_window_bits=10": want server_max_window_bits between 8 and 9`}},
		{"§7.1.2.1 window left out of the answer", Result{Variant: "smwb-12", Extensions: "permessage-deflate", Close: good}, true, true, good,
			[]string{`extensions "permessage-deflate": want server_max_window_bits between 8 and 12`}},
		{"an offer of 15 that a server may leave out", Result{Variant: "smwb-15", Extensions: "permessage-deflate", Close: good}, true, true, good, nil},
		{"the run's own failures come first", Result{Variant: "plain", Close: good, Failures: []string{"case text-0: boom"}}, false, true, good,
			[]string{"case text-0: boom"}},
		{"§5.5.1 close code not echoed", Result{Variant: "plain", Close: &Close{1000, "bye é"}}, false, true, good,
			[]string{`close echoed by the server: got 1000 "bye é", want 4000 "bye é"`}},
		{"reason not echoed by bronco", Result{Variant: "plain", Close: &Close{4000, ""}}, false, true, good,
			[]string{`close echoed by the server: got 4000 "", want 4000 "bye é"`}},
		{"reason not echoed by a peer that need not", Result{Variant: "plain", Close: &Close{4000, ""}}, false, false, good, nil},
		{"no close frame", Result{Variant: "plain"}, false, true, good,
			[]string{`close echoed by the server: got no close frame, want 4000 "bye é"`}},
		{"the server saw another close", Result{Variant: "plain", Close: good}, false, true, &Close{1005, ""},
			[]string{`close seen by the server: got 1005 "", want 4000 "bye é"`}},
		{"the server saw no close", Result{Variant: "plain", Close: good}, false, true, nil,
			[]string{`close seen by the server: got no close frame, want 4000 "bye é"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Judge(tt.r, tt.serverDeflates, tt.echoesReason, want, tt.seen)
			if diff := cmp.Diff(tt.fails, got); diff != "" {
				t.Errorf("Judge (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPayloads pins the contract's payload rules on small cases whose bytes node's and
// Python's builders print the same (the full-size ones agree by SHA-256 too; a builder that
// drifts fails every echo case of its peer).
func TestPayloads(t *testing.T) {
	tests := []struct {
		c    EchoCase
		want string
	}{
		{EchoCase{Type: "text", Size: 10}, "aé€𝄞"},
		{EchoCase{Type: "text", Size: 13}, "aé€𝄞aé"},
		{EchoCase{Type: "text", Size: 9}, "aé€aaa"},
		{EchoCase{Type: "binary", Size: 4}, "\x00\x01\x02\x03"},
		{EchoCase{Type: "binary", Size: 6, Period: 2}, "czczcz"}, // node and Python print the same
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, string(tt.c.Payload())); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tt.c, diff)
		}
	}
}
