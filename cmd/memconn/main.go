// Command memconn measures the server's memory per idle WebSocket connection: it starts a
// bronco echo server in a child process, opens N connections to it over loopback, sends one
// message on each, and reports the child's RSS and Go heap growth divided by N, with the
// handler either plain or hibernating after each message.
//
//	go run ./cmd/memconn -n 10000 -hibernate=false
//	go run ./cmd/memconn -n 10000 -hibernate=true
//	go run ./cmd/memconn -n 10000 -compress -hibernate=true
//	go run ./cmd/memconn -n 10000 -loops 1
//
// It prints one markdown table row: mode, connections, RSS and Go heap+stacks per
// connection in bytes, server goroutines, and the time the connections took to open.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func main() {
	n := flag.Int("n", 10000, "connections to open (two descriptors each across both processes)")
	hibernate := flag.Bool("hibernate", false, "the handler hibernates after every message")
	overHTTP := flag.Bool("http", false, "mount the server on net/http instead of a bare listener")
	loops := flag.Int("loops", 0, "drive connections with this many event loops (server.Options.EventLoops)")
	compress := flag.Bool("compress", false, "negotiate permessage-deflate (context takeover both ways); the echo goes back compressed")
	serve := flag.Bool("serve", false, "internal: run as the measured server process")
	header := flag.Bool("header", false, "print the markdown table header and exit")
	flag.Parse()
	if *header {
		fmt.Println("| mode | connections | RSS B/conn | heap+stacks B/conn | server goroutines | open time |")
		fmt.Println("|---|---:|---:|---:|---:|---:|")
		return
	}
	if *serve {
		runServer(*hibernate, *compress, *overHTTP, *loops)
		return
	}
	if err := measure(*n, *hibernate, *compress, *overHTTP, *loops); err != nil {
		log.Fatal(err)
	}
}

// measure runs the server child, opens the connections and prints the per-connection costs.
func measure(n int, hibernate, compress, overHTTP bool, loops int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "-serve", "-hibernate="+strconv.FormatBool(hibernate), "-compress="+strconv.FormatBool(compress), "-http="+strconv.FormatBool(overHTTP), "-loops="+strconv.Itoa(loops))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Process.Kill()
	out := bufio.NewScanner(stdout)
	if !out.Scan() {
		return fmt.Errorf("server did not start")
	}
	addr := out.Text()
	stats := func() (heap, goroutines int64, err error) {
		fmt.Fprintln(stdin, "stats")
		if !out.Scan() {
			return 0, 0, fmt.Errorf("server died")
		}
		_, err = fmt.Sscan(out.Text(), &heap, &goroutines)
		return heap, goroutines, err
	}
	heap0, _, err := stats()
	if err != nil {
		return err
	}
	rss0, err := rss(cmd.Process.Pid)
	if err != nil {
		return err
	}
	start := time.Now()
	conns, err := openConns(addr, n, compress)
	if err != nil {
		return err
	}
	opened := time.Since(start)
	time.Sleep(500 * time.Millisecond) // let every connection reach its blocking read
	heap1, gs, err := stats()
	if err != nil {
		return err
	}
	rss1, err := rss(cmd.Process.Pid)
	if err != nil {
		return err
	}
	mode := "plain"
	if hibernate {
		mode = "hibernated"
	}
	if compress {
		mode += ", permessage-deflate"
	}
	if overHTTP {
		mode += ", net/http"
	}
	if loops > 0 {
		mode += fmt.Sprintf(", %d event loop(s)", loops)
	}
	fmt.Printf("| %s | %d | %.0f | %.0f | %d | %v |\n", mode, n,
		float64(rss1-rss0)/float64(n), float64(heap1-heap0)/float64(n), gs, opened.Round(time.Millisecond))
	for _, c := range conns {
		c.Close()
	}
	return nil
}

// rss reads a process's resident set size in bytes from /proc.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
