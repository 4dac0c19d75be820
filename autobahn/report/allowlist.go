package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// allowEntry permits one non-OK verdict for the cases its pattern names. Reason is the
// entry's comment: JSON has none, and an allowance nobody can explain is not allowed.
type allowEntry struct {
	Cases   string  `json:"cases"`   // "6.4.3", or a prefix ending in ".*" such as "12.*"
	Verdict verdict `json:"verdict"` // the verdict permitted, in either behavior or behaviorClose
	Reason  string  `json:"reason"`  // why this verdict is acceptable, with an issue number where one exists

	prefix caseID // parsed Cases without ".*"
	exact  bool   // Cases names one case rather than a prefix
}

// allowList is the parsed allow-list file.
type allowList struct {
	Entries []allowEntry `json:"entries"`
}

// loadAllowList reads and validates the allow-list file.
func loadAllowList(path string) (*allowList, error) {
	b, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	return parseAllowList(b, path)
}

// parseAllowList decodes and validates an allow-list; name labels errors.
func parseAllowList(b []byte, name string) (*allowList, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelled "reason" must not pass as an entry without one
	var al allowList
	if err := dec.Decode(&al); err != nil {
		return nil, fmt.Errorf("report: parse %s: %w", name, err)
	}
	for i := range al.Entries {
		if err := al.Entries[i].compile(); err != nil {
			return nil, fmt.Errorf("%w: %s entry %d: %v", errBadAllowEntry, name, i+1, err)
		}
	}
	return &al, nil
}

// compile checks an entry and parses its pattern.
func (e *allowEntry) compile() error {
	switch {
	case !e.Verdict.known():
		return fmt.Errorf("unknown verdict %q", e.Verdict)
	case e.Verdict == verdictOK:
		return fmt.Errorf("OK needs no allowance")
	case e.Verdict == verdictFailed:
		return fmt.Errorf("FAILED can never be allowed")
	case strings.TrimSpace(e.Reason) == "":
		return fmt.Errorf("%s %s has no reason", e.Cases, e.Verdict)
	}
	pattern, isPrefix := strings.CutSuffix(e.Cases, ".*")
	id, err := parseCaseID(pattern)
	if err != nil {
		return err
	}
	e.prefix, e.exact = id, !isPrefix
	return nil
}

// matches reports whether the entry covers verdict v of case id.
func (e *allowEntry) matches(id caseID, v verdict) bool {
	if v != e.Verdict {
		return false
	}
	if e.exact {
		return compareCaseIDs(id, e.prefix) == 0
	}
	return len(id) > len(e.prefix) && id.hasPrefix(e.prefix)
}

// permits reports whether some entry covers verdict v of case id.
func (al *allowList) permits(id caseID, v verdict) bool {
	for i := range al.Entries {
		if al.Entries[i].matches(id, v) {
			return true
		}
	}
	return false
}

// unusedEntries returns the entries that cover no verdict of this run, so a stale
// allowance shows up once the server improves.
func unusedEntries(al *allowList, res *results) []allowEntry {
	var unused []allowEntry
	for _, e := range al.Entries {
		used := false
		for _, c := range res.Cases {
			if e.matches(c.ID, c.Behavior) || e.matches(c.ID, c.BehaviorClose) {
				used = true
				break
			}
		}
		if !used {
			unused = append(unused, e)
		}
	}
	return unused
}
