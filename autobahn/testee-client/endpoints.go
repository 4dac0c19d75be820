package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The URLs of wstest -m fuzzingserver's commands (FuzzingServerProtocol.onConnect in
// autobahntestsuite/fuzzing.py): the path picks the command, the query its case and agent.

// caseCountURL asks for the number of cases; the server sends it as one text message.
func caseCountURL(base string) string {
	return strings.TrimSuffix(base, "/") + "/getCaseCount"
}

// runCaseURL runs case n, counted from 1 in the spec's order, for agent.
func runCaseURL(base string, n int, agent string) string {
	return fmt.Sprintf("%s/runCase?case=%d&agent=%s", strings.TrimSuffix(base, "/"), n, url.QueryEscape(agent))
}

// updateReportsURL makes the server write agent's reports (index.json, one JSON and HTML
// file per case) into its outdir; it closes the connection when they are written.
func updateReportsURL(base, agent string) string {
	return fmt.Sprintf("%s/updateReports?agent=%s", strings.TrimSuffix(base, "/"), url.QueryEscape(agent))
}

// parseCaseCount reads the /getCaseCount message: a positive decimal number.
func parseCaseCount(msg []byte) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(string(msg)))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("case count %q is not a positive number", msg)
	}
	return n, nil
}
