package main

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAllowListRejects(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr error
	}{
		{"FAILED is never allowable", `{"entries":[{"cases":"5.1","verdict":"FAILED","reason":"no"}]}`, errBadAllowEntry},
		{"OK needs no entry", `{"entries":[{"cases":"5.1","verdict":"OK","reason":"no"}]}`, errBadAllowEntry},
		{"unknown verdict", `{"entries":[{"cases":"5.1","verdict":"FINE","reason":"no"}]}`, errBadAllowEntry},
		{"no reason", `{"entries":[{"cases":"5.1","verdict":"NON-STRICT"}]}`, errBadAllowEntry},
		{"blank reason", `{"entries":[{"cases":"5.1","verdict":"NON-STRICT","reason":"  "}]}`, errBadAllowEntry},
		{"bad pattern", `{"entries":[{"cases":"5.x","verdict":"NON-STRICT","reason":"r"}]}`, errBadAllowEntry},
		{"bare star is not a pattern", `{"entries":[{"cases":"*","verdict":"NON-STRICT","reason":"r"}]}`, errBadAllowEntry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAllowList([]byte(tt.in), "test")
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("parseAllowList error = %v, want %v", err, tt.wantErr)
			}
		})
	}
	t.Run("misspelled field", func(t *testing.T) {
		_, err := parseAllowList([]byte(`{"entries":[{"cases":"5.1","verdict":"NON-STRICT","reasn":"r"}]}`), "test")
		if err == nil {
			t.Error("parseAllowList accepted an unknown field")
		}
	})
}

func TestAllowListPermits(t *testing.T) {
	al, err := parseAllowList([]byte(`{"entries":[
		{"cases":"12.*","verdict":"UNIMPLEMENTED","reason":"prefix"},
		{"cases":"6.4.3","verdict":"NON-STRICT","reason":"exact"},
		{"cases":"7.9.*","verdict":"WRONG CODE","reason":"close-only verdict"}
	]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		v    verdict
		want bool
	}{
		{"12.1.1", verdictUnimplemented, true},
		{"12.5.18", verdictUnimplemented, true},
		{"12", verdictUnimplemented, false},    // "12.*" covers the cases under 12, not a bare 12
		{"1.2.1", verdictUnimplemented, false}, // prefix matches whole numbers, not text
		{"120.1", verdictUnimplemented, false}, // likewise
		{"12.1.1", verdictNonStrict, false},    // an entry allows only its own verdict
		{"6.4.3", verdictNonStrict, true},
		{"6.4.30", verdictNonStrict, false}, // exact entries are exact
		{"6.4", verdictNonStrict, false},
		{"7.9.1", verdictWrongCode, true},
		{"7.9.1", verdictFailed, false},
	}
	for _, tt := range tests {
		id, err := parseCaseID(tt.id)
		if err != nil {
			t.Fatal(err)
		}
		if got := al.permits(id, tt.v); got != tt.want {
			t.Errorf("permits(%s, %s) = %v, want %v", tt.id, tt.v, got, tt.want)
		}
	}
}

func TestUnusedEntries(t *testing.T) {
	al, err := parseAllowList([]byte(`{"entries":[
		{"cases":"12.*","verdict":"UNIMPLEMENTED","reason":"used by behavior"},
		{"cases":"7.1.6","verdict":"INFORMATIONAL","reason":"used by behaviorClose"},
		{"cases":"6.4.*","verdict":"NON-STRICT","reason":"stale: the server now fails fast"}
	]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	res := &results{Cases: []caseResult{
		{ID: caseID{6, 4, 1}, Behavior: verdictOK, BehaviorClose: verdictOK},
		{ID: caseID{7, 1, 6}, Behavior: verdictOK, BehaviorClose: verdictInformational},
		{ID: caseID{12, 1, 1}, Behavior: verdictUnimplemented, BehaviorClose: verdictOK},
	}}
	var got []string
	for _, e := range unusedEntries(al, res) {
		got = append(got, e.Cases+" "+string(e.Verdict))
	}
	if diff := cmp.Diff([]string{"6.4.* NON-STRICT"}, got); diff != "" {
		t.Errorf("unusedEntries (-want +got):\n%s", diff)
	}
}
