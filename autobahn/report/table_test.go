package main

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCountSections(t *testing.T) {
	res, err := loadIndex("testdata/pass/index.json", "")
	if err != nil {
		t.Fatal(err)
	}
	//                  OK NON-STRICT INFORMATIONAL UNIMPLEMENTED OTHER FAILED
	want := []sectionRow{
		{"1 Framing", 2, [6]int{2, 0, 0, 0, 0, 0}},
		{"6 UTF-8 handling", 1, [6]int{0, 1, 0, 0, 0, 0}},
		// 7.1.6 is INFORMATIONAL twice and counts once; 7.9.1 is OK with a WRONG CODE
		// close, and counts under the worse, OTHER.
		{"7 Close handling", 2, [6]int{0, 0, 1, 0, 1, 0}},
		{"9 Limits/performance", 4, [6]int{4, 0, 0, 0, 0, 0}},
		{"12 Compression (payloads)", 1, [6]int{0, 0, 0, 1, 0, 0}},
		{"13 Compression (parameters)", 1, [6]int{0, 0, 0, 1, 0, 0}},
		{"total", 11, [6]int{6, 1, 1, 2, 1, 0}},
	}
	if diff := cmp.Diff(want, countSections(res)); diff != "" {
		t.Errorf("countSections (-want +got):\n%s", diff)
	}
}

func TestCountSectionsFoldsToWorse(t *testing.T) {
	tests := []struct {
		name                    string
		behavior, behaviorClose verdict
		wantColumn              string
	}{
		{"both OK", verdictOK, verdictOK, "OK"},
		{"failed close beats OK behavior", verdictOK, verdictFailed, "FAILED"},
		{"failed behavior beats OK close", verdictFailed, verdictOK, "FAILED"},
		{"unclean close beats non-strict", verdictNonStrict, verdictUnclean, "OTHER"},
		{"non-strict beats informational close", verdictNonStrict, verdictInformational, "NON-STRICT"},
		{"unimplemented with OK close", verdictUnimplemented, verdictOK, "UNIMPLEMENTED"},
		{"unknown verdict is never OK", verdict("SURPRISE"), verdictOK, "OTHER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &results{Cases: []caseResult{{ID: caseID{1, 1, 1}, Behavior: tt.behavior, BehaviorClose: tt.behaviorClose}}}
			rows := countSections(res)
			var got []string
			for i, n := range rows[0].Counts {
				if n != 0 {
					got = append(got, tableColumns[i])
				}
			}
			if diff := cmp.Diff([]string{tt.wantColumn}, got); diff != "" {
				t.Errorf("column (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	res, err := loadIndex("testdata/pass/index.json", "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	writeTable(&buf, res)
	want := `agent bronco: 11 cases; a case counts under the worse of its behavior and behaviorClose
section                      cases  OK  NON-STRICT  INFORMATIONAL  UNIMPLEMENTED  OTHER  FAILED
1 Framing                        2   2           0              0              0      0       0
6 UTF-8 handling                 1   0           1              0              0      0       0
7 Close handling                 2   0           0              1              0      1       0
9 Limits/performance             4   4           0              0              0      0       0
12 Compression (payloads)        1   0           0              0              1      0       0
13 Compression (parameters)      1   0           0              0              1      0       0
total                           11   6           1              1              2      1       0
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("writeTable (-want +got):\n%s", diff)
	}
}

func TestWriteDurations(t *testing.T) {
	res, err := loadIndex("testdata/pass/index.json", "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		section string
		want    string
	}{
		{"9", "9.* durations in ms, case by case (sum)\n" +
			"9.1    5 12 40  (57)\n" +
			"9.2    7  (7)\n" +
			"total  64 ms\n"},
		{"1.1", "1.1.* durations in ms, case by case (sum)\n" +
			"1.1    2 3  (5)\n" + // leaf cases share one line under the section asked for
			"total  5 ms\n"},
		{"10", ""}, // no such cases in the fixture: print nothing rather than an empty table
	}
	for _, tt := range tests {
		t.Run(tt.section, func(t *testing.T) {
			var buf bytes.Buffer
			writeDurations(&buf, res, tt.section)
			if diff := cmp.Diff(tt.want, buf.String()); diff != "" {
				t.Errorf("writeDurations(%s) (-want +got):\n%s", tt.section, diff)
			}
		})
	}
}
