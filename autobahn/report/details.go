package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// caseReport holds the fields of a per-case wstest report that explain a verdict.
type caseReport struct {
	Description string `json:"description"`
	Expectation string `json:"expectation"`
	Result      string `json:"result"`
	ResultClose string `json:"resultClose"`
}

// maxDetailCases bounds how many cases writeDetails explains, so a run that fails every
// case still prints a readable log.
const maxDetailCases = 40

// writeDetails prints wstest's own description and result for each case with a problem,
// read from the per-case reports beside index.json. A missing report is said, not fatal:
// the gate's verdict stands without it.
func writeDetails(w io.Writer, res *results, problems []problem) {
	byID := make(map[string]caseResult, len(res.Cases))
	for _, c := range res.Cases {
		byID[c.ID.String()] = c
	}
	seen := make(map[string]bool)
	shown := 0
	for _, p := range problems {
		id := p.Case.String()
		c, ok := byID[id]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		if shown == maxDetailCases {
			fmt.Fprintf(w, "\n(details of further cases left out; see %s)\n", res.Dir)
			return
		}
		shown++
		fmt.Fprintf(w, "\n%s  %s / %s\n", id, c.Behavior, c.BehaviorClose)
		rep, err := readCaseReport(res.Dir, c.ReportFile)
		if err != nil {
			fmt.Fprintf(w, "  (no details: %v)\n", err)
			continue
		}
		for _, kv := range [][2]string{
			{"description", rep.Description}, {"expectation", rep.Expectation},
			{"result", rep.Result}, {"resultClose", rep.ResultClose},
		} {
			if text := oneLine(kv[1]); text != "" {
				fmt.Fprintf(w, "  %-12s %s\n", kv[0]+":", text)
			}
		}
	}
}

// readCaseReport loads one per-case report. The name comes from index.json, so it is
// kept to a plain file name inside dir.
func readCaseReport(dir, name string) (*caseReport, error) {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("report: bad report file name %q", name)
	}
	b, err := readLimited(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	var rep caseReport
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("report: parse %s: %w", name, err)
	}
	return &rep, nil
}

// maxDetailLen bounds one detail line; wstest's descriptions of the 6.* cases run long.
const maxDetailLen = 300

// oneLine flattens wstest's HTML-flavoured text (it uses <br> for line breaks) into one
// line, shortened to maxDetailLen bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "<br>", " ")), " ")
	if len(s) > maxDetailLen {
		s = s[:maxDetailLen] + "..."
	}
	return s
}
