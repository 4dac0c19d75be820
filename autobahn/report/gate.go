package main

import "fmt"

// problem is one reason the gate fails, tied to the case it is about.
type problem struct {
	Case caseID
	Text string
}

// String renders the problem as one line of the failure list.
func (p problem) String() string { return p.Case.String() + ": " + p.Text }

// gate checks every verdict of every case: FAILED always fails, OK always passes, and any
// other verdict passes only when an allow-list entry covers it.
func gate(res *results, al *allowList) []problem {
	var out []problem
	for _, c := range res.Cases {
		for _, f := range []struct {
			field string
			v     verdict
		}{{"behavior", c.Behavior}, {"behaviorClose", c.BehaviorClose}} {
			switch {
			case f.v == verdictOK:
			case f.v == verdictFailed:
				out = append(out, problem{c.ID, fmt.Sprintf("%s %s", f.field, f.v)})
			case !al.permits(c.ID, f.v):
				out = append(out, problem{c.ID, fmt.Sprintf("%s %s is not on the allow-list", f.field, f.v)})
			}
		}
	}
	return out
}
