// Report implements the Autobahn gate: it reads the index.json that wstest writes, for
// either role, prints a verdict table per section, and exits non-zero when a case failed,
// when a verdict is not on the allow-list, or when any case's verdicts differ from the
// expected file. With -update it writes the expected file from the run instead of diffing.
//
// Usage, for the server side (wstest -m fuzzingclient against bronco's server):
//
//	report -index autobahn/reports/servers/index.json -agent bronco \
//		-allow autobahn/allowlist.json -expected autobahn/expected-results.json [-update]
//
// and for the client side (bronco's client against wstest -m fuzzingserver), each side
// with its own allow-list and expected file:
//
//	report -index autobahn/reports/clients/index.json -agent bronco-client \
//		-allow autobahn/allowlist-client.json -expected autobahn/expected-results-client.json [-update]
//
// Exit status: 0 when the gate passes, 1 when it does not, 2 when an input cannot be read.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses of run, kept apart so CI logs tell a regression from a broken setup.
const (
	exitPass  = 0
	exitGate  = 1
	exitSetup = 2
)

// run is main without the process: it returns the exit status so tests can drive it.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	indexPath := fs.String("index", "autobahn/reports/servers/index.json", "wstest's index.json")
	allowPath := fs.String("allow", "autobahn/allowlist.json", "allow-list of non-OK verdicts")
	expectedPath := fs.String("expected", "autobahn/expected-results.json", "expected per-case verdicts")
	agent := fs.String("agent", "", "agent to report on (default: the only agent in the index)")
	header := fs.String("header", "", "line printed above the table (wstest version, date)")
	update := fs.Bool("update", false, "rewrite the expected file from this run instead of diffing against it")
	if err := fs.Parse(args); err != nil {
		return exitSetup
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "report: unexpected arguments %q\n", fs.Args())
		return exitSetup
	}

	res, err := loadIndex(*indexPath, *agent)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitSetup
	}
	allow, err := loadAllowList(*allowPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitSetup
	}

	if *header != "" {
		fmt.Fprintln(stdout, *header)
	}
	writeTable(stdout, res)
	var durations bytes.Buffer
	writeDurations(&durations, res, "9")
	if durations.Len() > 0 {
		fmt.Fprintf(stdout, "\n%s", &durations)
	}

	problems := gate(res, allow)
	if *update {
		if err := writeExpectedFile(*expectedPath, res); err != nil {
			fmt.Fprintln(stderr, err)
			return exitSetup
		}
		fmt.Fprintf(stdout, "\nwrote %s (%d cases)\n", *expectedPath, len(res.Cases))
	} else {
		want, err := loadExpected(*expectedPath)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitSetup
		}
		problems = append(problems, diffExpected(want, res)...)
	}

	if unused := unusedEntries(allow, res); len(unused) > 0 {
		fmt.Fprintln(stdout)
		for _, e := range unused {
			fmt.Fprintf(stdout, "note: allow-list entry %s %s matches no case; remove it if it is no longer needed\n", e.Cases, e.Verdict)
		}
	}
	if len(problems) == 0 {
		fmt.Fprintf(stdout, "\nautobahn: PASS (%d cases)\n", len(res.Cases))
		return exitPass
	}
	fmt.Fprintf(stdout, "\nautobahn: FAIL, %d problem(s):\n", len(problems))
	for _, p := range problems {
		fmt.Fprintf(stdout, "  %s\n", p)
	}
	writeDetails(stdout, res, problems)
	return exitGate
}
