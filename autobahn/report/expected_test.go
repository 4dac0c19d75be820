package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiffExpected(t *testing.T) {
	res, err := loadIndex("testdata/pass/index.json", "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		expected string
		want     []string
	}{
		{"matching file", "testdata/pass/expected-results.json", nil},
		{"changed, missing and new cases", "testdata/pass/expected-changed.json", []string{
			"1.1.2: not in the expected file (got OK / OK)",
			"1.1.3: expected but not in this run",
			"6.4.1: behavior changed: expected OK, got NON-STRICT",
			"7.9.1: behaviorClose changed: expected OK, got WRONG CODE",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := loadExpected(tt.expected)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range diffExpected(want, res) {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diffExpected (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteExpectedFileRoundTrips(t *testing.T) {
	res, err := loadIndex("testdata/pass/index.json", "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "expected-results.json")
	if err := writeExpectedFile(path, res); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The checked-in fixture was written by hand in the same layout: one case per line,
	// in case order, no durations.
	fixture, err := os.ReadFile("testdata/pass/expected-results.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(fixture), string(written)); diff != "" {
		t.Errorf("written file (-want +got):\n%s", diff)
	}
	back, err := loadExpected(path)
	if err != nil {
		t.Fatal(err)
	}
	if p := diffExpected(back, res); len(p) != 0 {
		t.Errorf("round trip differs: %v", p)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
}

func TestParseExpectedRejects(t *testing.T) {
	for _, in := range []string{
		`{"1.x": {"behavior": "OK", "behaviorClose": "OK"}}`,
		`{"1.1.1": {"behavior": "OK"}}`,
		`[]`,
	} {
		if _, err := parseExpected([]byte(in), "test"); err == nil {
			t.Errorf("parseExpected(%s) accepted bad input", in)
		}
	}
}
