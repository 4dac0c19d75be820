// Package cluster starts the scale-out example on loopback: a redis-server of its own, N
// bronco instances (cmd/node) and an HAProxy in front of them, each on a free port, and
// stops them all again. The demo command (cmd/demo, make cluster-demo) and the test (make
// cluster-test) use it. It runs on Linux, with Debian's redis-server and haproxy on PATH
// (setup.sh installs them).
package cluster

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bronco-ws/bronco/examples/cluster/node"
)

// startTimeout bounds how long Start waits for each process to answer.
const startTimeout = 30 * time.Second

// Cluster is a running cluster: Redis, the nodes and HAProxy, each a process of its own.
type Cluster struct {
	// URL is HAProxy's frontend, http://127.0.0.1:port: the chat page at /, the room at /ws.
	URL string
	// Nodes are the instances, n1 to nN, in start order.
	Nodes []Node
	// RedisAddr is the address of the cluster's redis-server.
	RedisAddr string
	// Dir holds haproxy.cfg, the node binary and each process's log (<name>.log).
	Dir string

	statsURL string // HAProxy's stats page, CSV

	mu    sync.Mutex
	procs []*process // in start order; stopped in reverse
}

// Node is one instance of the cluster.
type Node struct {
	Name string
	URL  string // http://127.0.0.1:port, straight to the instance
}

// process is a child process in a process group of its own, so that killing the group also
// kills anything it started.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed once Wait has returned
}

// Start runs Redis, n nodes and HAProxy, logging into dir, and returns once every node's
// /healthz and HAProxy's frontend answer and HAProxy sees every node up. On an error
// everything it started is stopped again.
func Start(ctx context.Context, n int, dir string) (_ *Cluster, err error) {
	redisBin, err := lookPath("redis-server")
	if err != nil {
		return nil, err
	}
	haproxyBin, err := lookPath("haproxy")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	nodeBin, err := buildNode(ctx, dir)
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(n + 3)
	if err != nil {
		return nil, err
	}
	c.RedisAddr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	c.URL = fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	c.statsURL = fmt.Sprintf("http://127.0.0.1:%d/stats;csv", ports[2])

	if err := c.start("redis", redisBin, "--port", fmt.Sprint(ports[0]), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no"); err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, "redis", func() error { return dialOnly(c.RedisAddr) }); err != nil {
		return nil, err
	}
	for i := range n {
		nd := Node{Name: fmt.Sprintf("n%d", i+1), URL: fmt.Sprintf("http://127.0.0.1:%d", ports[3+i])}
		c.Nodes = append(c.Nodes, nd)
		if err := c.start(nd.Name, nodeBin, "-addr", strings.TrimPrefix(nd.URL, "http://"),
			"-redis", c.RedisAddr, "-name", nd.Name); err != nil {
			return nil, err
		}
	}
	for _, nd := range c.Nodes {
		if err := c.waitFor(ctx, nd.Name, func() error { return getOK(ctx, nd.URL+"/healthz") }); err != nil {
			return nil, err
		}
	}
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(haproxyConfig(ports[1], ports[2], c.Nodes)), 0o644); err != nil {
		return nil, err
	}
	if err := c.start("haproxy", haproxyBin, "-db", "-f", cfg); err != nil {
		return nil, err
	}
	return c, c.waitFor(ctx, "haproxy", func() error {
		if err := getOK(ctx, c.URL+"/healthz"); err != nil {
			return err
		}
		states, err := c.Backends(ctx)
		if err != nil {
			return err
		}
		for _, nd := range c.Nodes {
			if states[nd.Name] != "UP" {
				return fmt.Errorf("HAProxy sees %s %q", nd.Name, states[nd.Name])
			}
		}
		return nil
	})
}

// haproxyConfig balances the nodes round robin, checking each one's /healthz every 200 ms:
// two failures take a node out, one success brings it back. A request to a node that
// refuses it is tried again, the last time on another node (redispatch). WebSocket upgrades
// need nothing of their own in HTTP mode; once upgraded, a connection is a tunnel, bounded
// by timeout tunnel rather than by the client and server timeouts.
func haproxyConfig(front, stats int, nodes []Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
	maxconn 4096 # each client costs HAProxy two sockets: about 8 200 descriptors

defaults
	mode http
	timeout connect 1s
	timeout client 60s
	timeout server 60s
	timeout tunnel 1h
	option redispatch
	retries 3

frontend chat
	bind 127.0.0.1:%d
	default_backend nodes

listen stats
	bind 127.0.0.1:%d
	stats enable
	stats uri /stats

backend nodes
	balance roundrobin
	option httpchk GET /healthz
`, front, stats)
	for _, nd := range nodes {
		fmt.Fprintf(&b, "\tserver %s %s check inter 200ms fall 2 rise 1\n", nd.Name, strings.TrimPrefix(nd.URL, "http://"))
	}
	return b.String()
}

// Kill ends the node called name with SIGKILL: its sockets close without a close frame,
// and it publishes nothing more, as a crashed machine.
func (c *Cluster) Kill(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if p.name == name {
			p.kill()
			return nil
		}
	}
	return fmt.Errorf("cluster: no process %q", name)
}

// Stop kills every process (HAProxy first, Redis last) and waits for each. It may be called
// more than once.
func (c *Cluster) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].kill()
	}
}

// NodeStats returns the counters of the node called name, from its /stats.
func (c *Cluster) NodeStats(ctx context.Context, name string) (node.Stats, error) {
	var s node.Stats
	for _, nd := range c.Nodes {
		if nd.Name == name {
			body, err := get(ctx, nd.URL+"/stats")
			if err != nil {
				return s, err
			}
			return s, json.Unmarshal(body, &s)
		}
	}
	return s, fmt.Errorf("cluster: no node %q", name)
}

// Backends returns HAProxy's view of each node: "UP", "DOWN", or a transition such as
// "UP 1/2", from its stats page.
func (c *Cluster) Backends(ctx context.Context) (map[string]string, error) {
	body, err := get(ctx, c.statsURL)
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "# "))).ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, fmt.Errorf("cluster: HAProxy's stats: %v", err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	states := map[string]string{}
	for _, r := range rows[1:] {
		if r[col["pxname"]] == "nodes" && r[col["svname"]] != "BACKEND" {
			states[r[col["svname"]]] = r[col["status"]]
		}
	}
	return states, nil
}

// Log returns the output of the process called name so far.
func (c *Cluster) Log(name string) string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, name+".log"))
	return string(b)
}

// Versions returns the first line of haproxy -v and redis-server --version.
func Versions() (haproxy, redis string) {
	first := func(name string, args ...string) string {
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			return name + ": " + err.Error()
		}
		line, _, _ := strings.Cut(string(out), "\n")
		return line
	}
	return first("haproxy", "-v"), first("redis-server", "--version")
}

// start runs a process called name, its output going to <name>.log in the cluster's dir.
func (c *Cluster) start(name, bin string, args ...string) error {
	out, err := os.Create(filepath.Join(c.Dir, name+".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that a kill reaches its children too; and killed by the
	// kernel should this process die first (a test timing out skips its Cleanup).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("cluster: start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		out.Close()
		close(p.done)
	}()
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return nil
}

// kill sends SIGKILL to the process's group and waits for the process to end.
func (p *process) kill() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// exited reports whether the process called name has ended, with its log's tail.
func (c *Cluster) exited(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if p.name != name {
			continue
		}
		select {
		case <-p.done:
			return fmt.Errorf("cluster: %s exited (%v):\n%s", name, p.cmd.ProcessState, tail(c.Log(name), 20))
		default:
		}
	}
	return nil
}

// waitFor polls ready every 20 ms until it succeeds, the process called name exits, or
// startTimeout passes.
func (c *Cluster) waitFor(ctx context.Context, name string, ready func() error) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if exit := c.exited(name); exit != nil {
			return exit
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster: %s not ready after %v: %v\n%s", name, startTimeout, err, tail(c.Log(name), 20))
		case <-tick.C:
		}
	}
}

// buildNode builds cmd/node into dir once; go build's cache makes later builds quick.
func buildNode(ctx context.Context, dir string) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(dir, "node")
	goBin := os.Getenv("GO")
	if goBin == "" {
		goBin = "go"
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./cmd/node")
	cmd.Dir = filepath.Dir(file) // this module's root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("cluster: go build ./cmd/node: %v\n%s", err, out)
	}
	return bin, nil
}

// lookPath finds name on PATH, or says how to install it.
func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("cluster: %s is not on PATH: run examples/cluster/setup.sh (Debian's haproxy and redis-server): %w", name, err)
	}
	return p, nil
}

// freePorts returns n loopback ports free now. Another process could take one before the
// cluster does; on a test machine that is rare enough, and Start then fails clearly.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close() // held until all are chosen, so that none is chosen twice
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func dialOnly(addr string) error {
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return nc.Close()
}

// getOK fetches url and wants 200.
func getOK(ctx context.Context, url string) error {
	_, err := get(ctx, url)
	return err
}

// get returns the body of url, or an error unless the status is 200.
func get(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = errors.New(res.Status)
	}
	return body, err
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
