// Command peers is the load generator and referee of bronco's peer benchmark: it starts one
// echo server per library (cmd/echo) pinned to one core, drives it from this process (meant
// to be pinned to another core) over loopback with raw-socket clients, reads the server's
// CPU time and memory from /proc, repeats every cell and prints the medians as one markdown
// table with each library's ratio to bronco. A server outside Go (uWebSockets) joins with
// -external, as a command line the referee starts on a port of its choosing.
//
//	go build -o bin/ ./cmd/...
//	taskset -c 1 env GOMAXPROCS=1 bin/peers -echo bin/echo -json results.json
//	... -external 'uws=/path/to/EchoServerPort {port}'
//
// Every loop is bounded in time; nothing leaves loopback.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/bronco-ws/bronco/internal/readme"
)

// libs in table order; the first is the reference of every ratio.
var allLibs = []string{"bronco-loop", "bronco", "bronco-http", "gorilla", "gws", "gobwas", "coder"}

// plainCells and the same with deflate make the throughput matrix of the issue.
var plainCells = []cell{
	{conns: 1, inflight: 1, size: 16},
	{conns: 100, inflight: 8, size: 1024},
	{conns: 1000, inflight: 1, size: 1024},
	{conns: 10, inflight: 16, size: 64 << 10},
}

type settings struct {
	echo, cpu       string
	libCPU          map[string]string // -lib-cpu: a CPU list of its own for a library
	external        map[string]string // -external: command lines of servers outside cmd/echo
	libs            []string
	warm, dur       time.Duration
	reps, idleConns int
	log             io.Writer
}

// serverCPU is the CPU list lib's server runs on: its -lib-cpu, else -server-cpu.
func (s settings) serverCPU(lib string) string {
	if cpu, ok := s.libCPU[lib]; ok {
		return cpu
	}
	return s.cpu
}

func main() {
	var s settings
	flag.StringVar(&s.echo, "echo", "bin/echo", "path to the echo server binary")
	flag.StringVar(&s.cpu, "server-cpu", "0", "CPU list for taskset to pin the servers to (empty: no pinning)")
	libs := flag.String("libs", strings.Join(allLibs, ","), "libraries to run, comma-separated; the first is the reference")
	flag.DurationVar(&s.warm, "warm", 500*time.Millisecond, "warm-up before each measured window")
	flag.DurationVar(&s.dur, "dur", 3*time.Second, "measured window of each cell")
	flag.IntVar(&s.reps, "reps", 3, "repetitions of every cell (the median is reported)")
	flag.IntVar(&s.idleConns, "idle", 10000, "connections for the idle-memory cells")
	quick := flag.Bool("quick", false, "smoke run: 1 s cells, one repetition, 2000 idle connections")
	jsonOut := flag.String("json", "", "write the medians as JSON to this file (for cmd/chart)")
	mdOut := flag.String("md", "", "also write the markdown table to this file")
	readmePath := flag.String("readme", "", "also put the markdown table between the bench-peers markers of this file")
	logPath := flag.String("serverlog", os.DevNull, "file for the servers' standard error")
	serverArgs := flag.String("serverargs", "", "extra flags for every echo server, space-separated (e.g. -cpuprofile=cpu.pprof)")
	cells := flag.String("cells", "", `run only the throughput cell with this exact name, or "`+upgradesCell+`" for the upgrade cell (and skip the rest)`)
	externals := namedValues{check: checkExternal}
	flag.Var(&externals, "external", "`name=command` of a server outside cmd/echo, repeatable: the command line, split at spaces, "+
		"with {port} replaced by a free loopback port, must serve WebSocket echo there; it runs pinned like the others, "+
		"joins the default -libs, and skips the deflate cells and the Go heap and goroutine rows")
	libCPUs := namedValues{check: checkCPUList}
	flag.Var(&libCPUs, "lib-cpu", "`lib=cpus`, repeatable: run lib's server on this CPU list instead of -server-cpu "+
		"(GOMAXPROCS is the number of CPUs in the list; empty: no pinning, Go's default GOMAXPROCS)")
	flag.Parse()
	if _, err := parseCPUList(s.cpu); err != nil {
		log.Fatal("peers: -server-cpu: ", err)
	}
	extraServerArgs = strings.Fields(*serverArgs)
	onlyCells = *cells
	s.external, s.libCPU = externals.values, libCPUs.values
	s.libs = strings.Split(*libs, ",")
	if !flagSet("libs") {
		s.libs = append(s.libs, externals.names...)
	}
	if len(s.external) > 0 {
		ignoreSIGPIPE()
	}
	if *quick {
		s.warm, s.dur, s.reps, s.idleConns = 300*time.Millisecond, time.Second, 1, 2000
	}
	lf, err := os.Create(*logPath)
	if err != nil {
		log.Fatal(err)
	}
	defer lf.Close()
	s.log = lf

	start := time.Now()
	loadBefore = loadAverage()
	settingsLine = fmt.Sprintf("%v cells after %v warm-up, %d repetitions (median), %d idle connections, %s",
		s.dur, s.warm, s.reps, s.idleConns, s.placement())
	res := newResults(s.libs)
	for _, lib := range s.libs {
		if _, ok := s.external[lib]; ok {
			res.notApplicable(lib, externalNA()...)
		}
	}
	for rep := range s.reps {
		for _, lib := range s.libs {
			progress("rep %d/%d %s: throughput", rep+1, s.reps, lib)
			runThroughputSet(s, res, lib)
			if onlyCells == "" {
				progress("rep %d/%d %s: idle memory", rep+1, s.reps, lib)
				runMemorySet(s, res, lib)
			}
		}
	}
	m := machineInfo(s.echo, start)
	for _, lib := range s.libs {
		if command, ok := s.external[lib]; ok {
			m.Versions = append(m.Versions, fmt.Sprintf("%s (external: %s)", lib, command))
		}
	}
	rep := res.report(m)
	table := rep.markdown()
	fmt.Print(table)
	if *mdOut != "" {
		if err := os.WriteFile(*mdOut, []byte(table), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if *readmePath != "" {
		if err := readme.Write(*readmePath, "bench-peers", table); err != nil {
			log.Fatal(err)
		}
	}
	if *jsonOut != "" {
		if err := rep.writeJSON(*jsonOut); err != nil {
			log.Fatal(err)
		}
	}
	progress("done in %v", time.Since(start).Round(time.Second))
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// runThroughputSet runs every throughput cell, plain then deflate, and the handshake cell
// against fresh server processes of lib.
func runThroughputSet(s settings, res *results, lib string) {
	_, external := s.external[lib]
	for _, compress := range []bool{false, true} {
		if onlyCells != "" && compress != strings.Contains(onlyCells, "deflate") {
			continue // a profiled run starts only the server its cell needs
		}
		if compress && external {
			continue // an external server is given one command line, without compression
		}
		srv, err := startServer(s, lib, compress, false)
		if err != nil {
			res.fail(lib, err)
			return
		}
		for _, c := range plainCells {
			c.compress = compress
			if onlyCells != "" && c.String() != onlyCells {
				continue
			}
			r, err := runCell(srv, c, s.warm, s.dur)
			if err != nil {
				res.fail(lib, fmt.Errorf("%v: %w", c, err))
				continue
			}
			res.addCell(lib, c, r)
		}
		if !compress && (onlyCells == "" || onlyCells == upgradesCell) {
			h, err := runHandshakes(srv, s.warm, s.dur)
			if err != nil {
				res.fail(lib, fmt.Errorf("handshakes: %w", err))
			} else {
				res.add(keyHandshakes, lib, h.perSec)
				res.add(keyHandshakeCPU, lib, micros(h.cpuPerOne))
			}
		}
		srv.stop()
	}
}

// runMemorySet measures idle connections on a fresh server, and hibernated ones where the
// library has hibernation (bronco).
func runMemorySet(s settings, res *results, lib string) {
	modes := []bool{false}
	if _, external := s.external[lib]; !external && strings.HasPrefix(lib, "bronco") {
		modes = append(modes, true)
	}
	for _, hibernate := range modes {
		srv, err := startServer(s, lib, false, hibernate)
		if err != nil {
			res.fail(lib, err)
			return
		}
		m, err := runMemory(srv, s.idleConns, time.Second)
		srv.stop()
		if err != nil {
			res.fail(lib, fmt.Errorf("idle memory: %w", err))
			continue
		}
		if hibernate {
			res.add(keyRSSHibernated, lib, m.rssPerConn/1024)
			res.add(keyHeapHibernated, lib, m.heapPerConn/1024)
		} else {
			res.add(keyRSS, lib, m.rssPerConn/1024)
			if !srv.external {
				res.add(keyHeap, lib, m.heapPerConn/1024)
				res.add(keyGoroutines, lib, m.goroutinesPerConn)
			}
		}
	}
}

// placement says where the servers and this load generator run, for the settings line.
func (s settings) placement() string {
	where := func(cpu string) string {
		if cpu == "" {
			return "unpinned, GOMAXPROCS default"
		}
		return fmt.Sprintf("on CPU %s, GOMAXPROCS=%d", cpu, cpuCount(cpu))
	}
	out := "servers " + where(s.cpu)
	for _, lib := range s.libs {
		if cpu, ok := s.libCPU[lib]; ok {
			out += "; " + lib + " " + where(cpu)
		}
	}
	return out + fmt.Sprintf("; load generator on %d CPU(s), GOMAXPROCS=%d", runtime.NumCPU(), runtime.GOMAXPROCS(0))
}

// flagSet reports whether the command line set the named flag.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// onlyCells narrows a run to one throughput cell, or the upgrade cell (-cells), for profiling.
var onlyCells string

// upgradesCell is the name -cells knows the upgrade cell by.
const upgradesCell = "upgrades"

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
