// Command demo runs the scale-out example on loopback until Ctrl-C: a redis-server, three
// bronco instances (cmd/node) and HAProxy in front of them, each on a free port. Open the
// HAProxy URL it prints in several browser tabs: each tab's socket lands on an instance in
// turn, and a line typed in one reaches every tab, whichever instance holds it. The node URLs
// reach one instance each.
//
//	make cluster-demo    # or: cd examples/cluster && go run ./cmd/demo -nodes 3
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/bronco-ws/bronco/examples/cluster"
)

func main() {
	n := flag.Int("nodes", 3, "number of bronco instances")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	dir, err := os.MkdirTemp("", "bronco-cluster-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	c, err := cluster.Start(ctx, *n, dir)
	if err != nil {
		log.Print(err)
		return // the deferred calls still run
	}
	defer c.Stop()
	haproxy, redis := cluster.Versions()
	fmt.Printf("%s\n%s\n\n", haproxy, redis)
	fmt.Printf("chat through HAProxy: %s/   (open it in several tabs)\n", c.URL)
	for _, nd := range c.Nodes {
		fmt.Printf("  %s directly:         %s/   (its counters: %s/stats)\n", nd.Name, nd.URL, nd.URL)
	}
	fmt.Printf("redis-server on %s; logs and haproxy.cfg in %s\n\nCtrl-C stops everything.\n", c.RedisAddr, dir)
	<-ctx.Done()
	fmt.Println("\nstopping")
}
