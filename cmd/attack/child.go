//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// setup is one driver × mount combination the suite attacks.
type setup struct {
	http bool // mounted on net/http rather than a bare listener
	loop bool // one event loop rather than a goroutine per connection
}

// allSetups is every combination, in the order the table lists them.
var allSetups = []setup{{false, false}, {false, true}, {true, false}, {true, true}}

// String names the setup as the table and -setups do: mount/driver.
func (s setup) String() string {
	mount, driver := "bare", "goroutine"
	if s.http {
		mount = "http"
	}
	if s.loop {
		driver = "loop"
	}
	return mount + "/" + driver
}

// loops is Options.EventLoops for the setup.
func (s setup) loops() int {
	if s.loop {
		return 1
	}
	return 0
}

// parseSetup reads a setup's name, such as "http/loop".
func parseSetup(name string) (setup, error) {
	for _, s := range allSetups {
		if s.String() == name {
			return s, nil
		}
	}
	return setup{}, fmt.Errorf("unknown setup %q (want bare/goroutine, bare/loop, http/goroutine or http/loop)", name)
}

// child is the parent's handle on a server process.
type child struct {
	cfg  childConfig
	info childInfo
	cmd  *exec.Cmd
	in   io.WriteCloser // the child's stdin

	mu    sync.Mutex // one command at a time
	lines chan string

	done    chan struct{} // closed once the process has exited
	exitErr error
	stderr  *tailBuffer
}

// children is every child still running, so that any way out of the parent (the end,
// a failure, Ctrl-C) can kill them.
var children struct {
	sync.Mutex
	set map[*child]struct{}
}

// startChild re-executes this binary as a server process for cfg and waits for its first
// line.
func startChild(cfg childConfig) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-serve", cfg.setup.String(), "-idle", cfg.idle.String(), "-handshake", cfg.handshake.String()}
	args = append(args, cfg.args()...)
	c := &child{cfg: cfg, lines: make(chan string, 16), done: make(chan struct{}), stderr: &tailBuffer{max: 16 << 10}}
	c.cmd = exec.Command(self, args...)
	// Pdeathsig: a parent killed with SIGKILL cannot clean up, so the kernel does.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	c.cmd.Stderr = c.stderr
	stdin, err := c.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	c.in = stdin
	children.Lock()
	if children.set == nil {
		children.set = map[*child]struct{}{}
	}
	children.set[c] = struct{}{}
	children.Unlock()
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	go func() {
		c.exitErr = c.cmd.Wait()
		children.Lock()
		delete(children.set, c)
		children.Unlock()
		close(c.done)
	}()
	line, err := c.readLine(10 * time.Second)
	if err != nil {
		c.kill()
		return nil, err
	}
	if err := json.Unmarshal([]byte(line), &c.info); err != nil {
		c.kill()
		return nil, fmt.Errorf("child's first line %q: %w", line, err)
	}
	return c, nil
}

// readLine waits for the child's next line on stdout.
func (c *child) readLine(timeout time.Duration) (string, error) {
	select {
	case line, ok := <-c.lines:
		if !ok {
			<-c.done
			return "", fmt.Errorf("server process ended (%v): %s", c.exitErr, c.stderr.tail(600))
		}
		return line, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("server process did not answer in %v", timeout)
	}
}

// call sends one command and decodes its answer into v.
func (c *child) call(cmd string, v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.in, cmd+"\n"); err != nil {
		return fmt.Errorf("server process gone: %w", err)
	}
	line, err := c.readLine(15 * time.Second)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(line), v)
}

// stats samples the child without disturbing it beyond ReadMemStats.
func (c *child) stats() (stats, error) {
	var s stats
	err := c.call("stats", &s)
	return s, err
}

// free collects the child's garbage and returns its pages to the OS before sampling, so that
// before and after compare live memory.
func (c *child) free() (stats, error) {
	var s stats
	err := c.call("free", &s)
	return s, err
}

// alive reports whether the process still runs.
func (c *child) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// shutdown asks the child to shut down with a d context and waits up to wait for it to
// exit; it returns the exit status (-1 when it did not exit in time) and how long it took.
func (c *child) shutdown(d, wait time.Duration) (int, time.Duration, string) {
	start := time.Now()
	c.mu.Lock()
	io.WriteString(c.in, "shutdown "+d.String()+"\n")
	c.mu.Unlock()
	var answer string
	select {
	case answer = <-c.lines:
	case <-c.done:
	case <-time.After(wait):
	}
	select {
	case <-c.done:
	case <-time.After(wait - time.Since(start)):
		c.kill()
		return -1, time.Since(start), answer
	}
	took := time.Since(start)
	code := 0
	var ee *exec.ExitError
	if errors.As(c.exitErr, &ee) {
		code = ee.ExitCode()
	} else if c.exitErr != nil {
		code = -1
	}
	return code, took, answer
}

// kill ends the child at once and waits for it.
func (c *child) kill() {
	if c.alive() {
		c.cmd.Process.Kill()
	}
	<-c.done
}

// stop ends the child politely (quit), then by force.
func (c *child) stop() {
	if !c.alive() {
		return
	}
	c.mu.Lock()
	io.WriteString(c.in, "quit\n")
	c.mu.Unlock()
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		c.kill()
	}
}

// killChildren kills every child still running: the parent's last act on any exit path.
func killChildren() {
	children.Lock()
	list := make([]*child, 0, len(children.set))
	for c := range children.set {
		list = append(list, c)
	}
	children.Unlock()
	for _, c := range list {
		c.kill()
	}
}

// tailBuffer keeps the last max bytes of a child's stderr, to explain a crash without
// flooding the terminal with the server's accept-error warnings.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

// Write keeps p, dropping what falls out of the last max bytes.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

// tail returns the last n bytes on one line.
func (t *tailBuffer) tail(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.b
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", " | ")
}
