package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantExit int
		// wantLines must each appear as a whole line of stdout, in this order.
		wantLines []string
		// absentLines must not appear in stdout at all.
		absentLines []string
		wantStderr  string
	}{
		{
			name: "allowed verdicts matching the expected file pass",
			args: []string{"-index", "testdata/pass/index.json", "-allow", "testdata/allowlist.json",
				"-expected", "testdata/pass/expected-results.json", "-header", "wstest 25.10.1, 2026-11-25"},
			wantExit: exitPass,
			wantLines: []string{
				"wstest 25.10.1, 2026-11-25",
				"total                           11   6           1              1              2      1       0",
				"9.1    5 12 40  (57)",
				"autobahn: PASS (11 cases)",
			},
			absentLines: []string{"autobahn: FAIL"},
		},
		{
			name: "a changed verdict fails even when it is allowed",
			args: []string{"-index", "testdata/pass/index.json", "-allow", "testdata/allowlist.json",
				"-expected", "testdata/pass/expected-changed.json"},
			wantExit: exitGate,
			wantLines: []string{
				"autobahn: FAIL, 4 problem(s):",
				"  1.1.2: not in the expected file (got OK / OK)",
				"  1.1.3: expected but not in this run",
				"  6.4.1: behavior changed: expected OK, got NON-STRICT",
				"  7.9.1: behaviorClose changed: expected OK, got WRONG CODE",
			},
		},
		{
			name: "FAILED fails even when the expected file records it",
			args: []string{"-index", "testdata/fail/index.json", "-allow", "testdata/allowlist.json",
				"-expected", "testdata/fail/expected-results.json"},
			wantExit: exitGate,
			wantLines: []string{
				"autobahn: FAIL, 2 problem(s):",
				"  2.10: behaviorClose UNCLEAN is not on the allow-list",
				"  5.1: behavior FAILED",
				// Details follow in case order. 2.10 has no per-case report in the
				// fixture: that is said, not fatal.
				"2.10  OK / UNCLEAN",
				"  (no details: report: stat testdata/fail/bronco_case_2_10.json: no such file or directory)",
				// wstest's own words for the failure, from the per-case report.
				"5.1  FAILED / OK",
				"  description: Send Pong fragmented into 2 fragments.",
				"  result:      Actual events differ from any expected.",
			},
		},
		{
			name: "stale allow-list entries are noted, not fatal",
			args: []string{"-index", "testdata/fail/index.json", "-allow", "testdata/allowlist.json",
				"-expected", "testdata/fail/expected-results.json"},
			wantExit: exitGate,
			wantLines: []string{
				"note: allow-list entry 6.4.1 NON-STRICT matches no case; remove it if it is no longer needed",
				"note: allow-list entry 13.* UNIMPLEMENTED matches no case; remove it if it is no longer needed",
			},
			absentLines: []string{
				"note: allow-list entry 12.* UNIMPLEMENTED matches no case; remove it if it is no longer needed",
			},
		},
		{
			// A fuzzingserver index (bronco's client under test), cut from a real run, on the
			// client side's own checked-in allow-list.
			name: "the client side gates on its own allow-list and expected file",
			args: []string{"-index", "testdata/client/index.json", "-agent", "bronco-client",
				"-allow", "../allowlist-client.json", "-expected", "testdata/client/expected-results.json"},
			wantExit: exitPass,
			wantLines: []string{
				"agent bronco-client: 8 cases; a case counts under the worse of its behavior and behaviorClose",
				"7 Close handling                 3   0           0              3              0      0       0",
				"total                            8   5           0              3              0      0       0",
				"9.1    330  (330)",
				"autobahn: PASS (8 cases)",
			},
			absentLines: []string{"note: allow-list entry"},
		},
		{
			name:       "the client side's index holds no server agent",
			args:       []string{"-index", "testdata/client/index.json", "-agent", "bronco"},
			wantExit:   exitSetup,
			wantStderr: "report: agent not in index: \"bronco\" (testdata/client/index.json)\n",
		},
		{
			name:       "missing index is a setup error",
			args:       []string{"-index", "testdata/none/index.json", "-allow", "testdata/allowlist.json"},
			wantExit:   exitSetup,
			wantStderr: "report: stat testdata/none/index.json: no such file or directory\n",
		},
		{
			name:       "stray argument is a setup error",
			args:       []string{"-index", "testdata/pass/index.json", "extra"},
			wantExit:   exitSetup,
			wantStderr: "report: unexpected arguments [\"extra\"]\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(tt.args, &stdout, &stderr)
			if got != tt.wantExit {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.wantExit, &stdout, &stderr)
			}
			if tt.wantStderr != "" || got != exitSetup {
				if diff := cmp.Diff(tt.wantStderr, stderr.String()); diff != "" {
					t.Errorf("stderr (-want +got):\n%s", diff)
				}
			}
			lines := strings.Split(stdout.String(), "\n")
			at := 0
			for _, want := range tt.wantLines {
				for at < len(lines) && lines[at] != want {
					at++
				}
				if at == len(lines) {
					t.Errorf("stdout lacks line %q (or has it out of order):\n%s", want, &stdout)
					break
				}
			}
			for _, absent := range tt.absentLines {
				if strings.Contains(stdout.String(), absent) {
					t.Errorf("stdout has %q:\n%s", absent, &stdout)
				}
			}
		})
	}
}

func TestRunUpdateRewritesExpected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "expected-results.json")
	stale, err := os.ReadFile("testdata/pass/expected-changed.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, stale, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-index", "testdata/pass/index.json", "-allow", "testdata/allowlist.json", "-expected", path}
	var out bytes.Buffer
	if got := run(append(args, "-update"), &out, &out); got != exitPass {
		t.Fatalf("update run: exit %d\n%s", got, &out)
	}
	// With the file rewritten, a plain run passes where it failed before.
	out.Reset()
	if got := run(args, &out, &out); got != exitPass {
		t.Errorf("run after update: exit %d\n%s", got, &out)
	}
}

func TestRunUpdateStillGates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "expected-results.json")
	args := []string{"-index", "testdata/fail/index.json", "-allow", "testdata/allowlist.json", "-expected", path, "-update"}
	var out bytes.Buffer
	if got := run(args, &out, &out); got != exitGate {
		t.Errorf("update with a FAILED case: exit %d, want %d\n%s", got, exitGate, &out)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("expected file not written: %v", err)
	}
}
