package main

import "os"

// The gate over a small run whose non-OK verdicts are all allow-listed and match the
// expected file.
func Example() {
	run([]string{
		"-index", "testdata/pass/index.json",
		"-allow", "testdata/allowlist.json",
		"-expected", "testdata/pass/expected-results.json",
		"-header", "wstest 25.10.1 (Autobahn 0.10.9), fixture run",
	}, os.Stdout, os.Stderr)
	// Output:
	// wstest 25.10.1 (Autobahn 0.10.9), fixture run
	// agent bronco: 11 cases; a case counts under the worse of its behavior and behaviorClose
	// section                      cases  OK  NON-STRICT  INFORMATIONAL  UNIMPLEMENTED  OTHER  FAILED
	// 1 Framing                        2   2           0              0              0      0       0
	// 6 UTF-8 handling                 1   0           1              0              0      0       0
	// 7 Close handling                 2   0           0              1              0      1       0
	// 9 Limits/performance             4   4           0              0              0      0       0
	// 12 Compression (payloads)        1   0           0              0              1      0       0
	// 13 Compression (parameters)      1   0           0              0              1      0       0
	// total                           11   6           1              1              2      1       0
	//
	// 9.* durations in ms, case by case (sum)
	// 9.1    5 12 40  (57)
	// 9.2    7  (7)
	// total  64 ms
	//
	// autobahn: PASS (11 cases)
}
