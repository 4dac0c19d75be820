//go:build linux

package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/bronco-ws/bronco/internal/readme"
)

// attacks is the suite, in the order each setup runs it and the table lists it.
var attacks = []attack{
	{name: "baseline", quick: true, run: baseline},
	{name: "slowloris", run: slowloris},
	{name: "malformed heads", quick: true, run: malformedHeads},
	{name: "frame abuse", quick: true, run: frameAbuse},
	{name: "oversize declare", run: oversizeDeclare},
	{name: "deflate bomb > limit", quick: true, run: bombOver},
	{name: "deflate bomb loop", run: bombLoop},
	{name: "ping flood", run: pingFlood},
	{name: "fragment flood", run: fragmentFlood},
	{name: "non-reader", run: nonReader},
	{name: "churn", quick: true, run: churn},
	{name: "resets", run: resets},
	{name: "held conns", run: held},
	{name: "fd exhaustion", quick: true, child: childOverrides{nofile: 512}, run: fdExhaustion},
	{name: "over MaxConnections", quick: true, child: childOverrides{maxConns: 300}, run: overMaxConns},
	{name: "non-reader, close policy", quick: true, child: childOverrides{backpressure: 256 << 10}, run: nonReaderClose},
	{name: "shutdown", last: true, run: shutdownAttack},
}

// readmeSection names the README's markers (internal/readme) between which -readme puts the
// table.
const readmeSection = "attack"

// main runs the suite, or with -serve the server process it attacks.
func main() {
	quick := flag.Bool("quick", false, "a subset with smaller counts (malformed heads, frame abuse, the bomb over the limit, 500 churn cycles, fd exhaustion, over MaxConnections, the close policy's non-readers), for CI")
	mdPath := flag.String("md", "", "also write the table to this file")
	readmePath := flag.String("readme", "", "replace the text between the "+readmeSection+" markers of this file with the table")
	setups := flag.String("setups", "", "comma-separated setups to attack (bare/goroutine, bare/loop, http/goroutine, http/loop); default all")
	only := flag.String("only", "", "comma-separated attacks to run (the baseline always runs; a name may hold a comma, as \"non-reader, close policy\" does); default all")
	serve := flag.String("serve", "", "internal: run as the server process for this setup")
	nofile := flag.Uint64("nofile", 0, "internal: the server process lowers its RLIMIT_NOFILE to this")
	idle := flag.Duration("idle", 3*time.Second, "internal: the server's Options.IdleTimeout")
	handshake := flag.Duration("handshake", 2*time.Second, "internal: the server's Options.HandshakeTimeout")
	maxConns := flag.Int("maxconns", 0, "internal: the server's Options.MaxConnections")
	backpressure := flag.String("backpressure", "", "internal: the server's Options.OnBackpressure: wait (the default) or close:BYTES (BackpressureClose, MaxBackpressure BYTES)")
	flag.Parse()

	if *serve != "" {
		s, err := parseSetup(*serve)
		if err == nil {
			var bp int
			if bp, err = parseBackpressure(*backpressure); err == nil {
				runChild(childConfig{setup: s, idle: *idle, handshake: *handshake,
					childOverrides: childOverrides{nofile: *nofile, maxConns: *maxConns, backpressure: bp}})
				return
			}
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	if _, err := raiseNoFile(); err != nil {
		fmt.Fprintln(os.Stderr, "attack: raising RLIMIT_NOFILE:", err)
	}
	// Ctrl-C or a kill must not leave servers behind (Pdeathsig covers SIGKILL of the parent).
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "attack: %v: stopping the servers\n", s)
		killChildren()
		os.Exit(130)
	}()
	status := run(*quick, *setups, *only, *mdPath, *readmePath)
	killChildren()
	os.Exit(status)
}

// run runs the suite and writes the table; it returns the exit status.
func run(quick bool, setupList, onlyList, mdPath, readmePath string) int {
	setups := allSetups
	if setupList != "" {
		setups = nil
		for _, name := range strings.Split(setupList, ",") {
			s, err := parseSetup(strings.TrimSpace(name))
			if err != nil {
				fmt.Fprintln(os.Stderr, "attack:", err)
				return 2
			}
			setups = append(setups, s)
		}
	}
	var list []attack
	wanted, err := parseOnly(onlyList)
	if err != nil {
		fmt.Fprintln(os.Stderr, "attack:", err)
		return 2
	}
	for _, a := range attacks {
		if quick && !a.quick {
			continue
		}
		if len(wanted) > 0 && !wanted[a.name] && a.name != "baseline" {
			continue
		}
		list = append(list, a)
	}

	start := time.Now()
	var rows []row
	for _, s := range setups {
		rows = append(rows, runSetup(s, list, quick, func(r row) {
			logf("[%s] %-22s %s (%.1f s)", r.setup, r.attack, r.outcome, r.took.Seconds())
		})...)
	}
	setupIndex := func(name string) int {
		return slices.IndexFunc(allSetups, func(s setup) bool { return s.String() == name })
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if a.order != b.order {
			return a.order - b.order
		}
		return setupIndex(a.setup) - setupIndex(b.setup)
	})
	table := render(rows, quick, time.Since(start))
	fmt.Print(table)
	if mdPath != "" {
		if err := os.WriteFile(mdPath, []byte(table), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "attack:", err)
		}
	}
	if readmePath != "" {
		if err := readme.Write(readmePath, readmeSection, table); err != nil {
			fmt.Fprintln(os.Stderr, "attack: warning:", err)
		}
	}
	failed := 0
	for _, r := range rows {
		if !r.held {
			failed++
		}
	}
	logf("attack: %d rows, %d not held, %v", len(rows), failed, time.Since(start).Round(time.Second))
	if failed > 0 {
		return 1
	}
	return 0
}

// parseOnly reads -only: attack names separated by commas. A name may hold a comma itself
// ("non-reader, close policy"), so the longest run of pieces that names an attack wins.
func parseOnly(list string) (map[string]bool, error) {
	norm := func(pieces []string) string {
		out := make([]string, len(pieces))
		for i, p := range pieces {
			out[i] = strings.TrimSpace(p)
		}
		return strings.Join(out, ",")
	}
	names := map[string]string{} // normalized → name
	for _, a := range attacks {
		names[norm(strings.Split(a.name, ","))] = a.name
	}
	wanted := map[string]bool{}
	pieces := strings.Split(list, ",")
	for i := 0; i < len(pieces); {
		if strings.TrimSpace(pieces[i]) == "" {
			i++
			continue
		}
		j := len(pieces)
		for ; j > i; j-- {
			if name, ok := names[norm(pieces[i:j])]; ok {
				wanted[name] = true
				break
			}
		}
		if j == i {
			return nil, fmt.Errorf("no attack named %q", strings.TrimSpace(pieces[i]))
		}
		i = j
	}
	return wanted, nil
}

// render formats the table with its header: when, on what, with which command, and what
// the columns measure.
func render(rows []row, quick bool, took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s %s/%s · GOMAXPROCS %d, NumCPU %d · `%s` · %s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.GOMAXPROCS(0), runtime.NumCPU(), command(), took.Round(time.Second))
	def, overrides := rowOptions(rows)
	fmt.Fprintf(&b, "Server: the echo handler of cmd/attack in a child process, `server.Options{%s}` (and `EventLoops: 1` on the loop setups), "+
		"the rest default (frame limit %s, message limit %s); the net/http mount is `http.Server{ReadHeaderTimeout: 5s, MaxHeaderBytes: 16 KiB}`.",
		strings.Join(def, ", "), limitString(rowsLimit(rows, true)), limitString(rowsLimit(rows, false)))
	if len(overrides) > 0 {
		fmt.Fprintf(&b, " Rows on a server of their own, with: %s.", strings.Join(overrides, "; "))
	}
	fmt.Fprintf(&b, " Memory is the server process's, in MiB: Go heap+stacks in use and RSS, before the attack / peak (sampled every 50 ms) / after "+
		"(the attacker gone, garbage collected, free pages returned). Honest: %d bronco clients each echoing %d-byte messages one at a time during the attack.\n\n",
		honestConns, honestSize)
	fmt.Fprintf(&b, "The deflate bomb loop holds when the honest clients keep at least %.0f%% of their baseline throughput, not half: "+
		"on two cores the bomber's connection, the attacker process and the honest clients share the CPU, so a perfectly fair server leaves "+
		"the honest clients about half (the goroutine driver measured 35–56%%, the event loop about 50%%), and a floor of 50%% flips from run to run; "+
		"a starved event loop measured 1%% before it paced the bomber, so %.0f%% still separates starvation from fair sharing. Its p99 is in the last column.\n\n",
		100*bombFloor, 100*bombFloor)
	if quick {
		b.WriteString("Quick run (`-quick`): a subset with smaller counts.\n\n")
	}
	b.WriteString("| attack | setup | outcome | seen by the attacker | heap+stacks before / peak / after | RSS before / peak / after | honest msg/s | honest p99 |\n")
	b.WriteString("|---|---|---|---|---:|---:|---:|---:|\n")
	for _, r := range rows {
		memCell := func(before, p, after uint64) string {
			if r.before.RSS == 0 {
				return "—"
			}
			a := "—"
			if r.hasAfter {
				a = mib(after)
			}
			return mib(before) + " / " + mib(p) + " / " + a
		}
		p99 := "—"
		rate := "—"
		if r.honest.msgs > 0 {
			p99 = fmtDuration(r.honest.p99)
			rate = fmt.Sprintf("%.0f", r.honest.rate)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.attack, r.setup, cell(r.outcome), cell(r.seen),
			memCell(r.before.mem(), r.peak.mem, r.after.mem()), memCell(r.before.RSS, r.peak.rss, r.after.RSS), rate, p99)
	}
	return b.String()
}

// rowOptions returns the options the rows ran with, as the children reported them: those of
// the setups' shared child (the baseline's), and for each attack that ran on a child of
// its own what differed there, as "attack: `Name: value, …`".
func rowOptions(rows []row) (def []string, overrides []string) {
	var ref *childInfo
	for i := range rows {
		if rows[i].limits.Options != nil && (ref == nil || rows[i].attack == "baseline") {
			ref = &rows[i].limits
			if rows[i].attack == "baseline" {
				break
			}
		}
	}
	if ref == nil {
		return []string{"unknown"}, nil
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if r.limits.Options == nil || seen[r.attack] {
			continue
		}
		var diff []string
		for _, o := range r.limits.Options {
			if !slices.Contains(ref.Options, o) {
				diff = append(diff, o)
			}
		}
		for _, o := range ref.Options {
			name, _, _ := strings.Cut(o, ":")
			if !slices.ContainsFunc(r.limits.Options, func(s string) bool { return strings.HasPrefix(s, name+":") }) {
				diff = append(diff, name+" default")
			}
		}
		var parts []string
		if len(diff) > 0 {
			parts = append(parts, "`"+strings.Join(diff, ", ")+"`")
		}
		if r.limits.NoFileSet && !ref.NoFileSet {
			parts = append(parts, fmt.Sprintf("RLIMIT_NOFILE %d", r.limits.NoFile))
		}
		if len(parts) > 0 {
			seen[r.attack] = true
			overrides = append(overrides, r.attack+": "+strings.Join(parts, ", "))
		}
	}
	return ref.Options, overrides
}

// rowsLimit returns the frame (true) or message limit a server of the run reported, 0 if
// none did: no child changes the limits, so the first one that reports them says it.
func rowsLimit(rows []row, frame bool) int64 {
	for _, r := range rows {
		if r.limits.MaxMessage != 0 {
			if frame {
				return r.limits.MaxFrame
			}
			return r.limits.MaxMessage
		}
	}
	return 0
}

// limitString formats a limit for the header.
func limitString(v int64) string {
	switch {
	case v == 0:
		return "unknown"
	case v < 0:
		return "none"
	}
	return sizeString(v)
}

// fmtDuration formats a latency in ms with two significant decimals below 10 ms.
func fmtDuration(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.2f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// cell makes text safe inside a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

// command is how the suite was started, for the table's header: `go run ./cmd/attack` when
// the binary is go run's temporary one.
func command() string {
	name := "attack"
	if strings.Contains(os.Args[0], "go-build") {
		name = "go run ./cmd/attack"
	}
	return strings.Join(append([]string{name}, os.Args[1:]...), " ")
}
