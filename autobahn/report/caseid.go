package main

import (
	"fmt"
	"strconv"
	"strings"
)

// caseID is a wstest case id such as "9.1.6", kept as the parsed numbers so that "1.1.10"
// sorts after "1.1.9" as it does in wstest's own report.
type caseID []int

// parseCaseID accepts one to four dot-separated decimal numbers.
func parseCaseID(s string) (caseID, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return nil, fmt.Errorf("%w %q", errBadCaseID, s)
	}
	id := make(caseID, len(parts))
	for i, p := range parts {
		// Atoi alone would accept "+1" and "-1"; wstest never writes a sign.
		if p == "" || strings.TrimLeft(p, "0123456789") != "" || len(p) > 4 {
			return nil, fmt.Errorf("%w %q", errBadCaseID, s)
		}
		n, _ := strconv.Atoi(p)
		id[i] = n
	}
	return id, nil
}

// String gives the id back in wstest's spelling.
func (id caseID) String() string {
	parts := make([]string, len(id))
	for i, n := range id {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ".")
}

// compareCaseIDs orders ids number by number, a shorter prefix first.
func compareCaseIDs(a, b caseID) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return len(a) - len(b)
}

// hasPrefix reports whether id lies under prefix ("9.1" holds "9.1.6").
func (id caseID) hasPrefix(prefix caseID) bool {
	return len(id) >= len(prefix) && compareCaseIDs(id[:len(prefix)], prefix) == 0
}
