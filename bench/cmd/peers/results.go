package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// metric is one row of the table.
type metric struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Unit   string `json:"unit"`
	Higher bool   `json:"higher_is_better"`
}

const (
	keyLatencyP50     = "latency-p50"
	keyLatencyP99     = "latency-p99"
	keyRSS            = "idle-rss"
	keyHeap           = "idle-heap"
	keyRSSHibernated  = "idle-rss-hibernated"
	keyHeapHibernated = "idle-heap-hibernated"
	keyGoroutines     = "goroutines"
	keyHandshakes     = "handshakes"
	keyHandshakeCPU   = "handshake-cpu"
)

func rateKey(c cell) string { return "rate " + c.String() }
func cpuKey(c cell) string  { return "cpu " + c.String() }

// clientKey names the load generator's CPU use in cell c.
func clientKey(c cell) string { return "client " + c.String() }

// kernelKey names the system time's share of the server's CPU in cell c: what is left to a
// server's own code, once the kernel's work per message is the same for every server.
func kernelKey(c cell) string { return "kernel-share " + c.String() }

// syscallsKey names the server's reads and writes per message in cell c.
func syscallsKey(c cell) string { return "syscalls " + c.String() }

// metrics lists the rows in table order.
func metrics() []metric {
	var ms []metric
	for _, compress := range []bool{false, true} {
		for _, c := range plainCells {
			c.compress = compress
			ms = append(ms,
				metric{rateKey(c), "msg/s, " + c.String(), "msg/s", true},
				metric{cpuKey(c), "server CPU per msg, " + c.String(), "µs", false})
			if !compress {
				ms = append(ms, metric{kernelKey(c), "kernel share of server CPU, " + c.String(), "%", false})
			}
			if !compress && (c.conns == 100 || c.size == 64<<10) {
				ms = append(ms, metric{syscallsKey(c), "server reads+writes per msg, " + c.String(), "", false})
			}
			if !compress {
				// Higher is better: the busier the one-core load generator, the closer the
				// cell is to its ceiling, and the less the server held it back.
				ms = append(ms, metric{clientKey(c), "load generator CPU busy, " + c.String(), "%", true})
			}
		}
		if !compress {
			ms = append(ms,
				metric{keyLatencyP50, "round trip p50, 1 conn × 16 B", "µs", false},
				metric{keyLatencyP99, "round trip p99, 1 conn × 16 B", "µs", false})
		}
	}
	return append(ms,
		metric{keyRSS, "idle RSS per conn", "KiB", false},
		metric{keyHeap, "idle Go heap+stacks per conn", "KiB", false},
		metric{keyRSSHibernated, "idle RSS per conn, hibernated", "KiB", false},
		metric{keyHeapHibernated, "idle Go heap+stacks per conn, hibernated", "KiB", false},
		metric{keyGoroutines, "server goroutines per idle conn", "", false},
		metric{keyHandshakes, "upgrades per second (8 dialers)", "/s", true},
		metric{keyHandshakeCPU, "server CPU per upgrade", "µs", false},
	)
}

// externalNA lists the rows an external server has no figure for: the deflate cells (it is
// given one command line, run without compression), the Go runtime's heap and goroutines,
// and reads+writes per message, which /proc/<pid>/io counts only for read, write, readv and
// writev, not for the recv and send that C servers use (uWebSockets: recvfrom, sendto).
func externalNA() []string {
	keys := []string{keyHeap, keyGoroutines}
	for _, compress := range []bool{false, true} {
		for _, c := range plainCells {
			c.compress = compress
			keys = append(keys, syscallsKey(c))
			if compress {
				keys = append(keys, rateKey(c), cpuKey(c), clientKey(c))
			}
		}
	}
	return keys
}

// results collects the samples of every metric per library.
type results struct {
	libs    []string
	samples map[string]map[string][]float64
	errs    map[string][]string
	na      map[string][]string // per library, the keys that do not apply to it
}

func newResults(libs []string) *results {
	return &results{libs: libs, samples: map[string]map[string][]float64{}, errs: map[string][]string{}, na: map[string][]string{}}
}

// notApplicable records that lib has no figure for these keys by design, so the table says
// "n/a" there rather than "—" (not measured, or no such mode).
func (r *results) notApplicable(lib string, keys ...string) {
	r.na[lib] = append(r.na[lib], keys...)
}

// add records a sample of key for lib, unless key does not apply to lib.
func (r *results) add(key, lib string, v float64) {
	if slices.Contains(r.na[lib], key) {
		return
	}
	if r.samples[key] == nil {
		r.samples[key] = map[string][]float64{}
	}
	r.samples[key][lib] = append(r.samples[key][lib], v)
}

func (r *results) addCell(lib string, c cell, cr cellResult) {
	r.add(rateKey(c), lib, cr.msgsPerSec)
	r.add(cpuKey(c), lib, micros(cr.cpuPerMsg))
	if !c.compress {
		r.add(kernelKey(c), lib, 100*cr.sysShare)
	}
	r.add(syscallsKey(c), lib, cr.syscalls)
	r.add(clientKey(c), lib, 100*cr.clientBusy)
	if cr.p50 > 0 {
		r.add(keyLatencyP50, lib, micros(cr.p50))
		r.add(keyLatencyP99, lib, micros(cr.p99))
	}
}

func (r *results) fail(lib string, err error) {
	progress("%s: %v", lib, err)
	r.errs[lib] = append(r.errs[lib], err.Error())
}

// report is what a run produced: medians per metric and library, and where it ran.
type report struct {
	Machine machine                         `json:"machine"`
	Libs    []string                        `json:"libs"`
	Metrics []metric                        `json:"metrics"`
	Medians map[string]map[string]float64   `json:"medians"`
	Samples map[string]map[string][]float64 `json:"samples"`
	Errors  map[string][]string             `json:"errors,omitempty"`
	// NotApplicable lists, per library, the metric keys it has no figure for by design
	// (an external server's Go heap, goroutines and deflate cells).
	NotApplicable map[string][]string `json:"not_applicable,omitempty"`
}

func (r *results) report(m machine) report {
	med := map[string]map[string]float64{}
	for key, byLib := range r.samples {
		med[key] = map[string]float64{}
		for lib, vs := range byLib {
			med[key][lib] = median(vs)
		}
	}
	return report{Machine: m, Libs: r.libs, Metrics: metrics(), Medians: med, Samples: r.samples, Errors: r.errs, NotApplicable: r.na}
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// markdown renders the table: each value, and for the other libraries their ratio to the
// reference (value ÷ reference: above 1 is faster for msg/s and upgrades, costlier for the rest).
func (rp report) markdown() string {
	var b strings.Builder
	m := rp.Machine
	fmt.Fprintf(&b, "Run %s on %s (%d CPUs, %s), load average %s before the run; %s.\n\n",
		m.Date, m.CPU, m.NProc, m.Kernel, m.LoadBefore, m.Settings)
	fmt.Fprintf(&b, "Versions: %s.\n\n", strings.Join(m.Versions, ", "))
	b.WriteString("| cell | " + strings.Join(rp.Libs, " | ") + " |\n|---|" + strings.Repeat("---:|", len(rp.Libs)) + "\n")
	ref := rp.Libs[0]
	for _, mt := range rp.Metrics {
		row := rp.Medians[mt.Key]
		if len(row) == 0 {
			continue
		}
		label := mt.Label
		if mt.Unit != "" {
			label += " (" + mt.Unit + ")"
		}
		b.WriteString("| " + label)
		for _, lib := range rp.Libs {
			v, ok := row[lib]
			switch {
			case !ok && slices.Contains(rp.NotApplicable[lib], mt.Key):
				b.WriteString(" | n/a")
			case !ok:
				b.WriteString(" | —")
			case lib == ref || row[ref] == 0:
				b.WriteString(" | **" + format(v, mt.Unit) + "**")
			default:
				fmt.Fprintf(&b, " | %s (%.2f×)", format(v, mt.Unit), v/row[ref])
			}
		}
		b.WriteString(" |\n")
	}
	for _, lib := range rp.Libs {
		for _, e := range rp.Errors[lib] {
			fmt.Fprintf(&b, "\nError, %s: %s\n", lib, e)
		}
	}
	return b.String()
}

func format(v float64, unit string) string {
	switch {
	case unit == "msg/s" || unit == "/s":
		if v >= 10000 {
			return fmt.Sprintf("%.1fk", v/1000)
		}
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func (rp report) writeJSON(path string) error {
	b, err := json.MarshalIndent(rp, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// machine says where and with what a run happened.
type machine struct {
	Date       string   `json:"date"`
	CPU        string   `json:"cpu"`
	NProc      int      `json:"nproc"`
	Kernel     string   `json:"kernel"`
	LoadBefore string   `json:"load_before"`
	Settings   string   `json:"settings"`
	Versions   []string `json:"versions"`
}

func machineInfo(echoBin string, start time.Time) machine {
	// runtime.NumCPU counts only the CPUs taskset left this process; /proc/cpuinfo has all.
	m := machine{Date: start.UTC().Format("2006-01-02 15:04 UTC"), CPU: "unknown CPU"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			name, v, ok := strings.Cut(line, ":")
			switch strings.TrimSpace(name) {
			case "processor":
				m.NProc++
			case "model name":
				if ok && m.CPU == "unknown CPU" {
					m.CPU = strings.TrimSpace(v)
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.LoadBefore = loadBefore
	m.Settings = settingsLine
	out, err := exec.Command(echoBin, "-versions").Output()
	if err == nil {
		m.Versions = strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	return m
}

// loadBefore and settingsLine are filled in by main before the run starts.
var loadBefore, settingsLine string

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
