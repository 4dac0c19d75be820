package main

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCaseID(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    caseID
		wantErr error
	}{
		{"three parts", "9.1.6", caseID{9, 1, 6}, nil},
		{"two parts", "2.10", caseID{2, 10}, nil},
		{"one part, a section prefix", "12", caseID{12}, nil},
		{"four parts", "12.1.1.1", caseID{12, 1, 1, 1}, nil},
		{"empty", "", nil, errBadCaseID},
		{"empty part", "1..2", nil, errBadCaseID},
		{"trailing dot", "1.", nil, errBadCaseID},
		{"sign is not a digit", "+1.1", nil, errBadCaseID},
		{"glob is a pattern, not an id", "1.*", nil, errBadCaseID},
		{"five parts", "1.1.1.1.1", nil, errBadCaseID},
		{"part too long to be a case", "1.12345", nil, errBadCaseID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCaseID(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("parseCaseID(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseCaseID(%q) (-want +got):\n%s", tt.in, diff)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestCompareCaseIDsSortsLikeWstest(t *testing.T) {
	in := []string{"12.1.1", "9.1.10", "1.1.2", "9.1.2", "2.10", "2.2", "1.1.10", "9.1"}
	want := []string{"1.1.2", "1.1.10", "2.2", "2.10", "9.1", "9.1.2", "9.1.10", "12.1.1"}
	ids := make([]caseID, len(in))
	for i, s := range in {
		id, err := parseCaseID(s)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	slices.SortFunc(ids, compareCaseIDs)
	got := make([]string, len(ids))
	for i, id := range ids {
		got[i] = id.String()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sorted ids (-want +got):\n%s", diff)
	}
}
