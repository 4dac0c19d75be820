// Command servers starts bronco's echo server in every setup the interop suite runs (bare
// listener and net/http, goroutine driver and event loop, plain and permessage-deflate), for
// trying a peer by hand. It prints the servers as one JSON line, then one line per connection
// end with the reason Terminate got, and stops when its stdin closes.
//
//	cd interop && go run ./cmd/servers
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"sync"

	"github.com/bronco-ws/bronco/interop"
	"github.com/bronco-ws/bronco/server"
)

func main() {
	f, err := interop.StartFleet(".")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Stop()
	var mu sync.Mutex
	f.OnEnd = func(setup, cell string, r server.Reason) {
		mu.Lock()
		defer mu.Unlock()
		line, _ := json.Marshal(map[string]string{"setup": setup, "cell": cell, "reason": fmt.Sprint(r)})
		os.Stdout.Write(append(line, '\n'))
	}
	line, _ := json.Marshal(map[string]any{"servers": f.Servers})
	mu.Lock()
	os.Stdout.Write(append(line, '\n'))
	mu.Unlock()
	io.Copy(io.Discard, os.Stdin)
}
