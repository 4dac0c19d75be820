package main

import (
	"path/filepath"
	"testing"
)

// TestCheckedInFiles holds each side's checked-in allow-list and expected results to the
// gate: the recorded run passes under its own allow-list (so the expected file records no
// FAILED and no unexplained verdict), every allow-list entry is used, and every case of
// wstest's 517 is recorded. A hand edit that breaks either file fails here, before CI
// spends twenty minutes on wstest.
func TestCheckedInFiles(t *testing.T) {
	tests := []struct {
		side, allow, expected string
	}{
		{"server (wstest -m fuzzingclient)", "../allowlist.json", "../expected-results.json"},
		{"client (wstest -m fuzzingserver)", "../allowlist-client.json", "../expected-results-client.json"},
	}
	const wstestCases = 517 // Autobahn 0.10.9, sections 1 to 13, nothing excluded
	for _, tt := range tests {
		t.Run(tt.side, func(t *testing.T) {
			allow, err := loadAllowList(tt.allow)
			if err != nil {
				t.Fatal(err)
			}
			want, err := loadExpected(tt.expected)
			if err != nil {
				t.Fatal(err)
			}
			res := &results{Agent: filepath.Base(tt.expected)}
			for _, c := range want {
				res.Cases = append(res.Cases, caseResult{ID: c.ID, Behavior: c.Behavior, BehaviorClose: c.BehaviorClose})
			}
			if len(res.Cases) != wstestCases {
				t.Errorf("%s records %d cases, want %d", tt.expected, len(res.Cases), wstestCases)
			}
			for _, p := range gate(res, allow) {
				t.Errorf("%s under %s: %s", tt.expected, tt.allow, p)
			}
			for _, e := range unusedEntries(allow, res) {
				t.Errorf("%s: entry %s %s matches no case of %s", tt.allow, e.Cases, e.Verdict, tt.expected)
			}
		})
	}
}
