package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGate(t *testing.T) {
	al, err := parseAllowList([]byte(`{"entries":[
		{"cases":"12.*","verdict":"UNIMPLEMENTED","reason":"deflate not negotiated yet"},
		{"cases":"7.13.*","verdict":"INFORMATIONAL","reason":"undefined by the spec"}
	]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    caseResult
		want []string
	}{
		{"all OK passes", caseResult{ID: caseID{1, 1, 1}, Behavior: verdictOK, BehaviorClose: verdictOK}, nil},
		{"allowed in both fields passes",
			caseResult{ID: caseID{7, 13, 1}, Behavior: verdictInformational, BehaviorClose: verdictInformational}, nil},
		{"allowed behavior with OK close passes",
			caseResult{ID: caseID{12, 1, 1}, Behavior: verdictUnimplemented, BehaviorClose: verdictOK}, nil},
		{"FAILED behavior fails", caseResult{ID: caseID{5, 1}, Behavior: verdictFailed, BehaviorClose: verdictOK},
			[]string{"5.1: behavior FAILED"}},
		{"FAILED close fails even where the behavior is allowed",
			caseResult{ID: caseID{12, 1, 1}, Behavior: verdictUnimplemented, BehaviorClose: verdictFailed},
			[]string{"12.1.1: behaviorClose FAILED"}},
		{"verdict outside its entry's cases fails",
			caseResult{ID: caseID{13, 1, 1}, Behavior: verdictUnimplemented, BehaviorClose: verdictOK},
			[]string{"13.1.1: behavior UNIMPLEMENTED is not on the allow-list"}},
		{"other verdict than the entry's fails",
			caseResult{ID: caseID{7, 13, 1}, Behavior: verdictNonStrict, BehaviorClose: verdictUnclean},
			[]string{
				"7.13.1: behavior NON-STRICT is not on the allow-list",
				"7.13.1: behaviorClose UNCLEAN is not on the allow-list",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range gate(&results{Cases: []caseResult{tt.c}}, al) {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("gate (-want +got):\n%s", diff)
			}
		})
	}
}
