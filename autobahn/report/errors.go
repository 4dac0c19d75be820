package main

import "errors"

// Errors for inputs the report cannot use. Each is wrapped with the file name and the
// offending value, and matched with errors.Is in tests.
var (
	// errTooLarge: an input file is larger than maxInputSize, so it is not what wstest or
	// this repository writes.
	errTooLarge = errors.New("report: input file too large")

	// errNoAgent: index.json holds no agent, so wstest reached no testee.
	errNoAgent = errors.New("report: index holds no agent")

	// errAgentAmbiguous: index.json holds several agents and -agent did not pick one.
	errAgentAmbiguous = errors.New("report: index holds several agents; pick one with -agent")

	// errUnknownAgent: -agent names an agent the index does not hold.
	errUnknownAgent = errors.New("report: agent not in index")

	// errNoCases: the agent has no case results, so there is nothing to gate on.
	errNoCases = errors.New("report: agent has no case results")

	// errBadCaseID: a case id is not dot-separated decimal numbers such as "9.1.6".
	errBadCaseID = errors.New("report: bad case id")

	// errMissingVerdict: a case result lacks its behavior or behaviorClose verdict.
	errMissingVerdict = errors.New("report: case result without verdict")

	// errBadAllowEntry: an allow-list entry has a bad pattern, an unknown or
	// non-allowable verdict, or no written reason.
	errBadAllowEntry = errors.New("report: bad allow-list entry")
)

// maxInputSize bounds every file the report reads. A full server run's index.json is about
// 100 KB and the largest per-case report about 30 KB; 64 MiB leaves room for wirelogs.
const maxInputSize = 64 << 20
