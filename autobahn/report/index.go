package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// caseResult is one case's entry in wstest's index.json.
type caseResult struct {
	ID            caseID
	Behavior      verdict
	BehaviorClose verdict
	DurationMS    int
	ReportFile    string // per-case JSON report, relative to the index's directory
}

// results is one agent's run, cases in wstest's order.
type results struct {
	Agent string
	Dir   string // directory of index.json, where the per-case reports live
	Cases []caseResult
}

// indexEntry mirrors the fields of index.json that the report uses.
type indexEntry struct {
	Behavior      verdict `json:"behavior"`
	BehaviorClose verdict `json:"behaviorClose"`
	Duration      int     `json:"duration"`
	ReportFile    string  `json:"reportfile"`
}

// readLimited reads a whole file, refusing anything larger than maxInputSize.
func readLimited(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if fi.Size() > maxInputSize {
		return nil, fmt.Errorf("%w: %s is %d bytes", errTooLarge, path, fi.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return b, nil
}

// loadIndex reads index.json and returns the named agent's results, or the only agent's
// when agent is empty.
func loadIndex(path, agent string) (*results, error) {
	b, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	var byAgent map[string]map[string]indexEntry
	if err := json.Unmarshal(b, &byAgent); err != nil {
		return nil, fmt.Errorf("report: parse %s: %w", path, err)
	}
	cases, name, err := pickAgent(byAgent, agent)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("%w: %q in %s", errNoCases, name, path)
	}
	res := &results{Agent: name, Dir: filepath.Dir(path)}
	for s, e := range cases {
		id, err := parseCaseID(s)
		if err != nil {
			return nil, fmt.Errorf("%w in %s", err, path)
		}
		if e.Behavior == "" || e.BehaviorClose == "" {
			return nil, fmt.Errorf("%w: case %s in %s", errMissingVerdict, s, path)
		}
		res.Cases = append(res.Cases, caseResult{
			ID: id, Behavior: e.Behavior, BehaviorClose: e.BehaviorClose,
			DurationMS: e.Duration, ReportFile: e.ReportFile,
		})
	}
	slices.SortFunc(res.Cases, func(a, b caseResult) int { return compareCaseIDs(a.ID, b.ID) })
	return res, nil
}

// pickAgent selects one agent's cases from the decoded index.
func pickAgent(byAgent map[string]map[string]indexEntry, agent string) (map[string]indexEntry, string, error) {
	if agent != "" {
		cases, ok := byAgent[agent]
		if !ok {
			return nil, "", fmt.Errorf("%w: %q", errUnknownAgent, agent)
		}
		return cases, agent, nil
	}
	switch len(byAgent) {
	case 0:
		return nil, "", errNoAgent
	case 1:
		for name, cases := range byAgent {
			return cases, name, nil
		}
	}
	names := make([]string, 0, len(byAgent))
	for name := range byAgent {
		names = append(names, name)
	}
	sort.Strings(names)
	return nil, "", fmt.Errorf("%w: %s", errAgentAmbiguous, strings.Join(names, ", "))
}
