// Command wscat is a WebSocket client for a terminal: it connects to a ws:// or wss:// URL,
// sends each line it reads from standard input as a text message, and prints every message,
// ping and pong the server sends, and the code and reason it closes with.
//
//	go run ./cmd/wscat [-compress] [-protocol chat] [-H 'Authorization: Bearer x'] [-cacert ca.pem] [-ping 5s] wss://example.com/chat
//
// End standard input (Ctrl-D) to close with 1000. A line "/ping" measures a round trip. The
// environment's HTTP_PROXY, HTTPS_PROXY and NO_PROXY choose a proxy, as for net/http.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wscat:", err)
		os.Exit(1)
	}
}

// headers is a repeatable -H flag.
type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

// options are wscat's command line.
type options struct {
	url       string
	compress  bool
	protocols []string
	headers   headers
	caCert    string
	ping      string
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("wscat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.compress, "compress", false, "offer permessage-deflate")
	protocol := fs.String("protocol", "", "subprotocols to offer, comma-separated")
	fs.Var(&o.headers, "H", "a header line for the upgrade request, \"Name: value\" (repeatable)")
	fs.StringVar(&o.caCert, "cacert", "", "PEM file of the certificate authorities to trust for wss:// (default: the system's)")
	fs.StringVar(&o.ping, "ping", "", "send a ping at this interval (like 5s) and print its round trip")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() != 1 {
		return o, fmt.Errorf("want one ws:// or wss:// URL, got %d arguments", fs.NArg())
	}
	o.url = fs.Arg(0)
	if *protocol != "" {
		o.protocols = strings.Split(*protocol, ",")
	}
	return o, nil
}
