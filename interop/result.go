package interop

import (
	"fmt"
	"strconv"
	"strings"
)

// Result is what a client run reports: the JSON line of the contract.
type Result struct {
	URL        string   `json:"url"`
	Variant    string   `json:"variant"`
	Extensions string   `json:"extensions"`
	Failures   []string `json:"failures"`
	Notes      []string `json:"notes"`
	Close      *Close   `json:"close"`
	WasClean   *bool    `json:"wasClean,omitempty"` // browsers only
}

// Close is a close code and reason, as one side saw the other send it.
type Close struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

func (c *Close) String() string {
	if c == nil {
		return "no close frame"
	}
	return fmt.Sprintf("%d %q", c.Code, c.Reason)
}

// Ended is what a peer's server reports for a connection that ended.
type Ended struct {
	Path       string `json:"path"`
	Extensions string `json:"extensions"`
	Close      *Close `json:"close"`
}

// Variants are the offers a client run can make (README.md, "A client run").
var (
	PlainVariants    = []string{"plain", "deflate"}
	DeflateVariants  = []string{"deflate"}
	ExplicitVariants = []string{"smwb-8", "smwb-9", "smwb-10", "smwb-11", "smwb-12", "smwb-13", "smwb-14", "smwb-15", "cnct"}
)

// offersDeflate reports whether variant offers permessage-deflate.
func offersDeflate(variant string) bool { return variant != "plain" }

// windowOffer is N of smwb-N, or 0.
func windowOffer(variant string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(variant, "smwb-"))
	return n
}

// Judge checks a run against what its server and variant call for: the extension agreed,
// the close echoed, and what the server saw of the close (seen, nil for none). It returns
// the run's failures and the judge's own. RFC 6455 §5.5.1 has a server echo the close code;
// the reason too is bronco's promise (echoesReason), not every peer's: gorilla sends none.
func Judge(r Result, serverDeflates, echoesReason bool, want *Cases, seen *Close) []string {
	fails := append([]string(nil), r.Failures...)
	agreed := strings.HasPrefix(strings.TrimSpace(r.Extensions), "permessage-deflate")
	switch wantDeflate := serverDeflates && offersDeflate(r.Variant); {
	case agreed != wantDeflate:
		fails = append(fails, fmt.Sprintf("extensions %q: want permessage-deflate %v (server deflates %v, variant %s)",
			r.Extensions, wantDeflate, serverDeflates, r.Variant))
	case agreed && windowOffer(r.Variant) > 0:
		// RFC 7692 §7.1.2.1: a server accepting server_max_window_bits=N answers with it, ≤ N.
		// bronco's client leaves 15 out of its offer, the protocol's default, and a server
		// may then leave it out of its answer.
		got := param(r.Extensions, "server_max_window_bits")
		if got == "" && windowOffer(r.Variant) == 15 {
			got = "15"
		}
		if n, err := strconv.Atoi(got); err != nil || n > windowOffer(r.Variant) || n < 8 {
			fails = append(fails, fmt.Sprintf("extensions %q: want server_max_window_bits between 8 and %d", r.Extensions, windowOffer(r.Variant)))
		}
	}
	wantClose := Close{Code: want.Close.Code, Reason: want.Close.Reason}
	echo := wantClose
	if !echoesReason && r.Close != nil {
		echo.Reason = r.Close.Reason
	}
	if r.Close == nil || *r.Close != echo {
		fails = append(fails, fmt.Sprintf("close echoed by the server: got %s, want %s", r.Close, &echo))
	}
	if seen == nil || *seen != wantClose {
		fails = append(fails, fmt.Sprintf("close seen by the server: got %s, want %s", seen, &wantClose))
	}
	return fails
}

// param is the value of one extension parameter in a Sec-WebSocket-Extensions value.
func param(ext, name string) string {
	for _, p := range strings.Split(ext, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, name) {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
