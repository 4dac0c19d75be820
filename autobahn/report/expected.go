package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// expectedVerdicts is one case's line in expected-results.json. Durations are left out on
// purpose: they vary from run to run and would make every diff noisy.
type expectedVerdicts struct {
	Behavior      verdict `json:"behavior"`
	BehaviorClose verdict `json:"behaviorClose"`
}

// expectedCase pairs a case id with its expected verdicts.
type expectedCase struct {
	ID caseID
	expectedVerdicts
}

// loadExpected reads expected-results.json.
func loadExpected(path string) ([]expectedCase, error) {
	b, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	return parseExpected(b, path)
}

// parseExpected decodes an expected-results document; name labels errors.
func parseExpected(b []byte, name string) ([]expectedCase, error) {
	var m map[string]expectedVerdicts
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("report: parse %s: %w", name, err)
	}
	out := make([]expectedCase, 0, len(m))
	for s, v := range m {
		id, err := parseCaseID(s)
		if err != nil {
			return nil, fmt.Errorf("%w in %s", err, name)
		}
		if v.Behavior == "" || v.BehaviorClose == "" {
			return nil, fmt.Errorf("%w: case %s in %s", errMissingVerdict, s, name)
		}
		out = append(out, expectedCase{id, v})
	}
	slices.SortFunc(out, func(a, b expectedCase) int { return compareCaseIDs(a.ID, b.ID) })
	return out, nil
}

// marshalExpected renders a run as expected-results.json: one case per line, in case
// order, so a change to one case is a one-line diff in review.
func marshalExpected(res *results) []byte {
	var buf bytes.Buffer
	buf.WriteString("{\n")
	for i, c := range res.Cases {
		fmt.Fprintf(&buf, `  %s: {"behavior": %s, "behaviorClose": %s}`,
			jsonString(c.ID.String()), jsonString(string(c.Behavior)), jsonString(string(c.BehaviorClose)))
		if i < len(res.Cases)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("}\n")
	return buf.Bytes()
}

// writeExpectedFile replaces path with this run's verdicts, through a temporary file so an
// interrupted update leaves the old file whole.
func writeExpectedFile(path string, res *results) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, marshalExpected(res), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// diffExpected lists every case whose verdicts differ from the expected file, every case
// the run lacks, and every case the file lacks.
func diffExpected(want []expectedCase, res *results) []problem {
	var out []problem
	i, j := 0, 0
	for i < len(want) || j < len(res.Cases) {
		var cmp int
		switch {
		case i == len(want):
			cmp = 1
		case j == len(res.Cases):
			cmp = -1
		default:
			cmp = compareCaseIDs(want[i].ID, res.Cases[j].ID)
		}
		switch {
		case cmp < 0:
			out = append(out, problem{want[i].ID, "expected but not in this run"})
			i++
		case cmp > 0:
			c := res.Cases[j]
			out = append(out, problem{c.ID, fmt.Sprintf("not in the expected file (got %s / %s)", c.Behavior, c.BehaviorClose)})
			j++
		default:
			w, c := want[i], res.Cases[j]
			if w.Behavior != c.Behavior {
				out = append(out, problem{c.ID, fmt.Sprintf("behavior changed: expected %s, got %s", w.Behavior, c.Behavior)})
			}
			if w.BehaviorClose != c.BehaviorClose {
				out = append(out, problem{c.ID, fmt.Sprintf("behaviorClose changed: expected %s, got %s", w.BehaviorClose, c.BehaviorClose)})
			}
			i++
			j++
		}
	}
	return out
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
