// Command node runs one instance of the cluster example: the chat page at /, the room's
// WebSocket endpoint at /ws, /healthz for the load balancer and /stats, relaying the room's
// lines through a Redis channel shared by every instance (package node).
//
//	go run ./cmd/node -addr 127.0.0.1:8081 -redis 127.0.0.1:6379 -name n1
//
// The launcher (package cluster, make cluster-demo) starts three of them behind HAProxy.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bronco-ws/bronco/examples/cluster/node"
	"github.com/redis/go-redis/v9"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	redisAddr := flag.String("redis", "127.0.0.1:6379", "address of the Redis server")
	name := flag.String("name", "n1", "instance name, in the welcome line and on the page")
	channel := flag.String("channel", "bronco:chat", "Redis channel of the room")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	rdb := redis.NewClient(node.RedisOptions(*redisAddr))
	defer rdb.Close()
	n := node.New(*name, *channel, rdb)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	hs := &http.Server{Handler: n.Handler()}
	go hs.Serve(ln)
	log.Printf("node %s on http://%s/ (redis %s)", *name, ln.Addr(), *redisAddr)
	n.Run(ctx) // until SIGINT or SIGTERM

	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	n.Shutdown(sctx) // 1001 to every member
	hs.Shutdown(sctx)
}
