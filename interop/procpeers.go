package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Peer is a peer program in another language: its client and its server command lines,
// relative to the interop directory.
type Peer struct {
	Name   string
	Client []string // reads a plan (a JSON array of runs) on stdin
	Server []string // takes --compression plain|deflate
}

// Peers are the peers the suite starts as processes.
var Peers = []Peer{
	{Name: "node ws", Client: []string{"node", "node/client.mjs", "-"}, Server: []string{"node", "node/server.mjs"}},
	{Name: "python websockets", Client: []string{".venv/bin/python", "python/client.py", "-"}, Server: []string{".venv/bin/python", "python/server.py"}},
}

// PlanRun is one run of a client plan.
type PlanRun struct {
	URL     string `json:"url"`
	Variant string `json:"variant"`
}

// RunProcClient runs a peer's client over plan in dir and returns a result per run, in the
// plan's order. A run the program did not report becomes a result with a failure that
// quotes what the program printed on stderr.
func RunProcClient(ctx context.Context, dir string, argv []string, plan []PlanRun) []Result {
	in, _ := json.Marshal(plan)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	byRun := map[PlanRun]Result{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		var r Result
		if json.Unmarshal([]byte(line), &r) == nil && r.URL != "" {
			byRun[PlanRun{r.URL, r.Variant}] = r
		}
	}
	results := make([]Result, len(plan))
	for i, p := range plan {
		r, ok := byRun[p]
		if !ok {
			r = Result{URL: p.URL, Variant: p.Variant, Failures: []string{
				fmt.Sprintf("%s reported nothing for this run (exit: %v); stderr: %s", strings.Join(argv, " "), err, tail(stderr.String(), 2000))}}
		}
		results[i] = r
	}
	return results
}

// StartProcServer starts a peer's echo server in dir and waits for its listening line.
func StartProcServer(ctx context.Context, dir string, argv []string, compression string) (*PeerServer, error) {
	cmd := exec.Command(argv[0], append(argv[1:], "--compression", compression)...)
	cmd.Dir = dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ends := newEndLog()
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var line struct {
				Listening string `json:"listening"`
				Ended
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			if line.Listening != "" {
				listening <- line.Listening
				continue
			}
			ends.add(line.Ended)
		}
		close(listening)
	}()
	stop := func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	select {
	case u, ok := <-listening:
		if ok {
			return &PeerServer{URL: u, Ends: ends, Stop: stop}, nil
		}
		stop()
		return nil, fmt.Errorf("%s exited before listening; stderr: %s", strings.Join(argv, " "), tail(stderr.String(), 2000))
	case <-ctx.Done():
		stop()
		return nil, fmt.Errorf("%s did not listen: %w; stderr: %s", strings.Join(argv, " "), ctx.Err(), tail(stderr.String(), 2000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// lockedBuffer is a process's stderr, written by exec's copier while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
