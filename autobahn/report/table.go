package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// sectionNames labels wstest's top-level case groups; wstest has no sections 8 and 11.
var sectionNames = map[int]string{
	1:  "Framing",
	2:  "Pings/Pongs",
	3:  "Reserved bits",
	4:  "Opcodes",
	5:  "Fragmentation",
	6:  "UTF-8 handling",
	7:  "Close handling",
	9:  "Limits/performance",
	10: "Miscellaneous",
	12: "Compression (payloads)",
	13: "Compression (parameters)",
}

// tableColumns are the table's verdict columns. OTHER gathers the close-only verdicts
// (WRONG CODE, UNCLEAN, FAILED BY CLIENT) and anything wstest may add later.
var tableColumns = []string{"OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "OTHER", "FAILED"}

// column maps a case's folded verdict to its index in tableColumns.
func column(v verdict) int {
	switch v {
	case verdictOK:
		return 0
	case verdictNonStrict:
		return 1
	case verdictInformational:
		return 2
	case verdictUnimplemented:
		return 3
	case verdictFailed:
		return 5
	default:
		return 4
	}
}

// sectionRow is one line of the table.
type sectionRow struct {
	Label  string
	Cases  int
	Counts [6]int // indexed like tableColumns
}

// countSections folds each case's behavior and behaviorClose into the worse of the two
// and counts cases per top-level section, in case order, with a total row last.
func countSections(res *results) []sectionRow {
	var rows []sectionRow
	total := sectionRow{Label: "total"}
	for _, c := range res.Cases {
		label := sectionLabel(c.ID[0])
		if len(rows) == 0 || rows[len(rows)-1].Label != label {
			rows = append(rows, sectionRow{Label: label})
		}
		col := column(worse(c.Behavior, c.BehaviorClose))
		rows[len(rows)-1].Cases++
		rows[len(rows)-1].Counts[col]++
		total.Cases++
		total.Counts[col]++
	}
	return append(rows, total)
}

// sectionLabel is "6 UTF-8 handling", or the bare number for a section wstest may add.
func sectionLabel(n int) string {
	if name, ok := sectionNames[n]; ok {
		return strconv.Itoa(n) + " " + name
	}
	return strconv.Itoa(n)
}

// writeTable prints the per-section verdict counts, each column as wide as its heading.
func writeTable(w io.Writer, res *results) {
	rows := countSections(res)
	labelWidth := len("section")
	for _, r := range rows {
		labelWidth = max(labelWidth, len(r.Label))
	}
	fmt.Fprintf(w, "agent %s: %d cases; a case counts under the worse of its behavior and behaviorClose\n", res.Agent, len(res.Cases))
	fmt.Fprintf(w, "%-*s  %5s", labelWidth, "section", "cases")
	for _, h := range tableColumns {
		fmt.Fprintf(w, "  %s", h)
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "%-*s  %5d", labelWidth, r.Label, r.Cases)
		for i, h := range tableColumns {
			fmt.Fprintf(w, "  %*d", len(h), r.Counts[i])
		}
		fmt.Fprintln(w)
	}
}

// writeDurations prints wstest's wall time in milliseconds for each case under section,
// one line per subsection, so a performance change in the 9.* limits cases is visible.
func writeDurations(w io.Writer, res *results, section string) {
	prefix, err := parseCaseID(section)
	if err != nil {
		return
	}
	type line struct {
		label string
		ms    []string
		sum   int
	}
	var lines []line
	total := 0
	for _, c := range res.Cases {
		if !c.ID.hasPrefix(prefix) || len(c.ID) <= len(prefix) {
			continue
		}
		label := c.ID[:len(prefix)+1].String()
		if len(c.ID) == len(prefix)+1 {
			label = section
		}
		if len(lines) == 0 || lines[len(lines)-1].label != label {
			lines = append(lines, line{label: label})
		}
		l := &lines[len(lines)-1]
		l.ms = append(l.ms, strconv.Itoa(c.DurationMS))
		l.sum += c.DurationMS
		total += c.DurationMS
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "%s.* durations in ms, case by case (sum)\n", section)
	for _, l := range lines {
		fmt.Fprintf(w, "%-6s %s  (%d)\n", l.label, strings.Join(l.ms, " "), l.sum)
	}
	fmt.Fprintf(w, "%-6s %d ms\n", "total", total)
}
