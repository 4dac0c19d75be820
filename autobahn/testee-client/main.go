// Command testee-client is bronco's client under the Autobahn testsuite: it drives
// `wstest -m fuzzingserver`, running every case the server has and echoing every text and
// binary message back with its opcode, then asks the server to write its reports.
//
// Usage:
//
//	testee-client -url ws://127.0.0.1:9010 -agent bronco-client [-timeout 2m]
//
// Compression is offered (permessage-deflate with client_max_window_bits), so the
// compression cases 12.* and 13.* run rather than being scored UNIMPLEMENTED. Each case, and
// each request for the case count or the reports, is bounded by -timeout: a case that hangs
// is abandoned, the rest still run, and the command exits 1 after the reports are written.
//
// Exit status: 0 when every case ended and the reports were written, 1 otherwise.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/deflate"
)

func main() {
	base := flag.String("url", "ws://127.0.0.1:9010", "wstest -m fuzzingserver's url (its spec's \"url\")")
	agent := flag.String("agent", "bronco-client", "agent name the reports are filed under")
	timeout := flag.Duration("timeout", 2*time.Minute, "bound on each case and on each request for the case count or the reports")
	compress := flag.Bool("compress", true, "offer permessage-deflate")
	level := flag.Int("level", deflate.BestSpeed, "compression level, 1 (fastest) to 9")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "testee-client: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}

	s := &suite{
		base:    *base,
		agent:   *agent,
		timeout: *timeout,
		// deflate.Offer always names client_max_window_bits (bare while ClientMaxWindowBits
		// is 0), so the server may pick any window for our direction: 13.* uses 8 to 15.
		dialer: client.Dialer{Compress: *compress, Deflate: deflate.Config{Level: *level},
			// 9.* sends messages and frames of up to 16 MiB.
			Config: ws.Config{MaxFrameSize: 16 << 20, MaxMessageSize: 16 << 20}},
	}
	os.Exit(exitCode(s.run(context.Background(), os.Stderr), os.Stderr))
}

// exitCode reports err, if any, and maps it to the exit status.
func exitCode(err error, w io.Writer) int {
	if err != nil {
		fmt.Fprintf(w, "testee-client: %v\n", err)
		return 1
	}
	return 0
}
