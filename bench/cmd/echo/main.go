// Command echo is one WebSocket echo server per library, each written the way that library's
// own documentation recommends for speed, so the load generator in cmd/peers can measure
// them one process at a time.
//
//	echo -lib bronco -compress=false -hibernate=false
//
// It listens on a loopback port, prints the address on its first line of output, and answers
// every "stats" line on standard input with the live Go heap plus goroutine stacks (after a
// full collection) and the goroutine count, so the parent can measure memory per connection.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
)

// maxMessage bounds every server's messages: the largest cell sends 64 KiB.
const maxMessage = 1 << 20

// config is what every library's server is told.
type config struct {
	compress  bool // negotiate permessage-deflate at level 1
	hibernate bool // bronco only: hibernate after every message
}

// servers maps -lib names to functions that serve on a listener until it fails.
var servers = map[string]func(l net.Listener, c config) error{
	"bronco-loop":  serveBroncoLoop,
	"bronco-loop2": serveBroncoLoop2,
	"bronco":       serveBroncoRaw,
	"bronco-http":  serveBroncoHTTP,
	"gorilla":      serveGorilla,
	"gws":          serveGWS,
	"gobwas":       serveGobwas,
	"coder":        serveCoder,
}

func main() {
	lib := flag.String("lib", "bronco", "library: "+strings.Join(libNames(), ", "))
	compress := flag.Bool("compress", false, "negotiate permessage-deflate (level 1) with clients that offer it")
	hibernate := flag.Bool("hibernate", false, "bronco only: the handler hibernates after every message")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile here, stopped when standard input closes")
	heapProfile := flag.String("heapprofile", "", "write a heap profile here when standard input closes")
	versions := flag.Bool("versions", false, "print the Go version and every library's module version, then exit")
	flag.Parse()
	if *versions {
		printVersions()
		return
	}
	serve, ok := servers[*lib]
	if !ok {
		log.Fatalf("echo: unknown -lib %q (have %s)", *lib, strings.Join(libNames(), ", "))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
	}
	go func() { log.Fatal(serve(l, config{compress: *compress, hibernate: *hibernate})) }()
	fmt.Println(l.Addr())
	answerStats()
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if *heapProfile != "" {
		f, err := os.Create(*heapProfile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.WriteHeapProfile(f)
		f.Close()
	}
	os.Exit(0)
}

// answerStats replies to each "stats" line until standard input closes: the parent closing
// the pipe is the stop signal.
func answerStats() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Println(ms.HeapInuse+ms.StackInuse, runtime.NumGoroutine())
	}
}

func libNames() []string {
	names := make([]string, 0, len(servers))
	for n := range servers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// printVersions lists the toolchain and the modules this binary was built with; bronco
// comes from the working tree through a replace directive.
func printVersions() {
	fmt.Println(runtime.Version())
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	for _, d := range bi.Deps {
		switch {
		case d.Replace != nil:
			fmt.Printf("%s (working tree %s)\n", d.Path, d.Replace.Path)
		case strings.HasPrefix(d.Path, "github.com/gorilla/"), strings.HasPrefix(d.Path, "github.com/lxzan/"),
			strings.HasPrefix(d.Path, "github.com/gobwas/ws"), strings.HasPrefix(d.Path, "github.com/coder/"):
			fmt.Printf("%s %s\n", d.Path, d.Version)
		}
	}
}
