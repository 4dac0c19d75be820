package interop

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// ClientColumn is the summary's column for bronco's client against a peer's server.
const ClientColumn = "bronco client → peer's server"

// Compression is a run's row of the summary: what the run negotiated or offered.
func Compression(serverDeflates bool, variant string) string {
	switch {
	case !serverDeflates || !offersDeflate(variant):
		return "plain"
	case variant == "deflate" || variant == "browser":
		return "deflate"
	}
	return "deflate, explicit offers"
}

// Summary gathers every run's verdict into cells: peer × compression × place.
type Summary struct {
	mu    sync.Mutex
	cells map[[3]string]*cell
	peers []string // in the order they were first added
	notes []string
}

type cell struct {
	runs  int
	fails []string
}

// NewSummary returns an empty summary.
func NewSummary() *Summary { return &Summary{cells: map[[3]string]*cell{}} }

// Add records a run of peer in column (a Setup.Place or ClientColumn) and row compression,
// named run, with its failures.
func (s *Summary) Add(peer, compression, column, run string, fails []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := [3]string{peer, compression, column}
	c := s.cells[key]
	if c == nil {
		c = &cell{}
		s.cells[key] = c
	}
	if !slices.Contains(s.peers, peer) {
		s.peers = append(s.peers, peer)
	}
	c.runs++
	for _, f := range fails {
		c.fails = append(c.fails, run+": "+f)
	}
}

// Note adds a line under the table.
func (s *Summary) Note(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes = append(s.notes, line)
}

// Markdown is the table: a row per peer and compression, a column per place of bronco's
// server and one for bronco's client; a cell is PASS or FAIL with its number of runs.
func (s *Summary) Markdown() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var columns []string
	for _, st := range Setups()[:6] { // the places of the plain setups: every place once
		columns = append(columns, "server "+st.Place())
	}
	columns = append(columns, ClientColumn)
	var b strings.Builder
	fmt.Fprintf(&b, "| peer | compression | %s |\n|---|---|%s\n", strings.Join(columns, " | "), strings.Repeat("---|", len(columns)))
	for _, peer := range s.peers {
		for _, comp := range []string{"plain", "deflate", "deflate, explicit offers"} {
			row := make([]string, len(columns))
			any := false
			for i, col := range columns {
				c := s.cells[[3]string{peer, comp, strings.TrimPrefix(col, "server ")}]
				switch {
				case c == nil:
					row[i] = "—"
				case len(c.fails) > 0:
					row[i], any = fmt.Sprintf("**FAIL** (%d of %d runs)", c.failedRuns(), c.runs), true
				default:
					row[i], any = fmt.Sprintf("PASS (%d)", c.runs), true
				}
			}
			if any {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", peer, comp, strings.Join(row, " | "))
			}
		}
	}
	for _, n := range s.notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	return b.String()
}

// Failures lists every failed run, sorted.
func (s *Summary) Failures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []string
	for key, c := range s.cells {
		for _, f := range c.fails {
			all = append(all, fmt.Sprintf("%s, %s, %s: %s", key[0], key[1], key[2], f))
		}
	}
	sort.Strings(all)
	return all
}

// failedRuns counts the distinct runs among the cell's failures.
func (c *cell) failedRuns() int {
	runs := map[string]bool{}
	for _, f := range c.fails {
		run, _, _ := strings.Cut(f, ": ")
		runs[run] = true
	}
	return len(runs)
}
