package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/internal/readme"
	"github.com/bronco-ws/bronco/internal/xconnect"
)

var (
	cases   *Cases
	fleet   *Fleet
	summary = NewSummary()
)

// TestMain starts bronco's eight servers once for every test, and prints the summary table
// at the end: to stdout, to out/summary.md, and between the README's interop markers when
// INTEROP_README names it (make interop does, on a full run).
//
// net/http offers RFC 8441 to the h2 servers only when GODEBUG=http2xconnect=1 is in the
// environment when the process starts, so the test binary runs itself again with it.
func TestMain(m *testing.M) {
	if !xconnect.Enabled() {
		os.Exit(xconnect.Rerun())
	}
	var err error
	if cases, err = LoadCases("."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if fleet, err = StartFleet("."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	fleet.Stop()
	table := fmt.Sprintf("Interop on %s (`make interop`), %s.\n\n%s", time.Now().UTC().Format("2006-01-02"), versions(), summary.Markdown())
	fmt.Printf("\n%s\n", table)
	if fails := summary.Failures(); len(fails) > 0 {
		fmt.Printf("Failures:\n  %s\n", strings.Join(fails, "\n  "))
	}
	os.MkdirAll("out", 0o755)
	os.WriteFile(filepath.Join("out", "summary.md"), []byte(table), 0o644)
	if path := os.Getenv("INTEROP_README"); path != "" && code == 0 {
		if err := readme.Write(path, "interop", table); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// clientPlan is every run a peer's client makes against bronco's servers of the given
// mounts: on a plain server, with and without an offer; on a deflate server, no offer, the
// default offer, and where the peer can make them, the explicit offers.
func clientPlan(peer string, explicit bool, mounts ...string) []PlanRun {
	var plan []PlanRun
	for _, s := range fleet.Servers {
		if !slices.Contains(mounts, s.Mount) {
			continue
		}
		variants := PlainVariants
		if s.Compression == "deflate" {
			variants = []string{"plain", "deflate"}
			if explicit {
				variants = append(variants, ExplicitVariants...)
			}
		}
		for _, v := range variants {
			plan = append(plan, PlanRun{URL: s.URL + "?cell=" + peer + "-" + v, Variant: v})
		}
	}
	return plan
}

// judgeServerRuns judges runs of a peer's client against bronco's servers, each as a subtest
// named by its server and variant, and adds them to the summary.
func judgeServerRuns(t *testing.T, peer string, results []Result) {
	byURL := map[string]*Server{}
	for _, s := range fleet.Servers {
		byURL[s.URL] = s
	}
	for _, r := range results {
		base, query, _ := strings.Cut(r.URL, "?cell=")
		s := byURL[base]
		if s == nil {
			t.Errorf("%s: a result for an unknown server %s", peer, r.URL)
			continue
		}
		t.Run(s.Name+"/"+r.Variant, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var seen *Close
			reason, err := fleet.WaitEnd(ctx, s.Name, query)
			if err != nil {
				t.Error(err)
			} else {
				seen = SeenClose(reason)
			}
			fails := Judge(r, s.Compression == "deflate", true, cases, seen)
			if reason != nil && seen == nil {
				fails = append(fails, fmt.Sprintf("server's Terminate got %v", reason))
			}
			if s.Mount == "h2" {
				fails = append(fails, checkHTTP2(ctx, s, query, r.Variant == "browser")...)
			}
			summary.Add(peer, Compression(s.Compression == "deflate", r.Variant), s.Place(), s.Name+" "+r.Variant, fails)
			report(t, fmt.Sprintf("%s → bronco %s, variant %s", peer, s.Name, r.Variant), fails, r.Notes)
		})
	}
}

// TestPeerClientsAgainstBroncoServer runs node's ws and Python's websockets clients against
// every setup of bronco's server, with every offer.
func TestPeerClientsAgainstBroncoServer(t *testing.T) {
	for _, p := range Peers {
		t.Run(p.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			short := strings.Fields(p.Name)[0]
			results := RunProcClient(ctx, ".", p.Client, clientPlan(short, true, "bare", "http"))
			judgeServerRuns(t, p.Name, results)
		})
	}
}

// TestGoClientsAgainstBroncoServer runs gorilla's and coder's clients against every setup of
// bronco's server, plain and with their own permessage-deflate offers.
func TestGoClientsAgainstBroncoServer(t *testing.T) {
	for _, lib := range []string{"gorilla", "coder"} {
		t.Run(lib, func(t *testing.T) {
			var results []Result
			for _, run := range clientPlan(lib, false, "bare", "http") {
				results = append(results, RunGoClient(lib, run.URL, run.Variant, cases, nil))
			}
			judgeServerRuns(t, goPeerName(lib), results)
		})
	}
}

func goPeerName(lib string) string {
	return map[string]string{"gorilla": "gorilla/websocket", "coder": "coder/websocket"}[lib]
}

// TestBroncoClientAgainstPeerServers runs bronco's client against each peer's echo server,
// plain and deflate, with every offer where the peer's server takes explicit ones.
func TestBroncoClientAgainstPeerServers(t *testing.T) {
	type peerServer struct {
		name     string
		start    func(ctx context.Context, compression string) (*PeerServer, error)
		explicit bool
	}
	var peers []peerServer
	for _, p := range Peers {
		peers = append(peers, peerServer{p.Name, func(ctx context.Context, c string) (*PeerServer, error) {
			return StartProcServer(ctx, ".", p.Server, c)
		}, true})
	}
	for _, lib := range []string{"gorilla", "coder"} {
		peers = append(peers, peerServer{goPeerName(lib), func(_ context.Context, c string) (*PeerServer, error) {
			return StartGoServer(lib, c == "deflate")
		}, false})
	}
	for _, p := range peers {
		for _, comp := range []string{"plain", "deflate"} {
			t.Run(p.name+"/"+comp, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				ps, err := p.start(ctx, comp)
				if err != nil {
					summary.Add(p.name, Compression(comp == "deflate", "deflate"), ClientColumn, comp+" server", []string{err.Error()})
					t.Fatal(err)
				}
				defer ps.Stop()
				variants := []string{"plain", "deflate"}
				if comp == "deflate" && p.explicit {
					variants = append(variants, ExplicitVariants...)
				}
				for _, v := range variants {
					t.Run(v, func(t *testing.T) {
						path := "/bronco-" + comp + "-" + v
						r := RunGoClient("bronco", strings.TrimSuffix(ps.URL, "/")+path, v, cases, nil)
						wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
						defer wcancel()
						var seen *Close
						if e, err := ps.Ends.Wait(wctx, path); err != nil {
							t.Error(err)
						} else {
							seen = e.Close
						}
						deflates := comp == "deflate"
						if v == "smwb-8" && deflates && r.Extensions == "" {
							// RFC 7692 §7.1.2.1 lets a server decline such an offer, and
							// zlib-based ones do: zlib cannot compress with a 256-byte window.
							deflates = false
							summary.Note(fmt.Sprintf("%s's server declines an offer of server_max_window_bits=8 (zlib cannot compress with a 256-byte window; RFC 7692 §7.1.2.1 allows it), so that run is plain.", p.name))
						}
						fails := Judge(r, deflates, false, cases, seen)
						summary.Add(p.name, Compression(comp == "deflate", v), ClientColumn, comp+" server "+v, fails)
						report(t, fmt.Sprintf("bronco client → %s %s server, variant %s", p.name, comp, v), fails, r.Notes)
					})
				}
			})
		}
	}
}

// TestBroncoClientOverHTTP2 runs bronco's client over golang.org/x/net/http2's transport
// (client.Dialer.HTTP2) against bronco's HTTP/2 servers: RFC 8441 from both ends in Go.
func TestBroncoClientOverHTTP2(t *testing.T) {
	var results []Result
	for _, run := range clientPlan("bronco-h2", true, "h2") {
		results = append(results, RunGoClient("bronco-h2", run.URL, run.Variant, cases, fleet.TLS))
	}
	judgeServerRuns(t, "bronco client, x/net/http2", results)
}

// checkHTTP2 checks, from the server's side, that the connection of cell reached an h2
// server as an extended CONNECT on HTTP/2 (RFC 8441), and for a browser, that its second
// socket (cell-2) shared the first one's TCP connection.
func checkHTTP2(ctx context.Context, s *Server, cell string, second bool) []string {
	var fails []string
	a, err := fleet.WaitArrival(ctx, s.Name, cell)
	if err != nil {
		return []string{err.Error()}
	}
	if a.Proto != "HTTP/2.0" || a.Method != "CONNECT" {
		fails = append(fails, fmt.Sprintf("the upgrade came as %s %s, not an RFC 8441 extended CONNECT over HTTP/2", a.Proto, a.Method))
	}
	if second {
		b, err := fleet.WaitArrival(ctx, s.Name, cell+"-2")
		switch {
		case err != nil:
			fails = append(fails, err.Error())
		case b.Remote != a.Remote:
			fails = append(fails, fmt.Sprintf("the second socket came from %s, the first from %s: not one HTTP/2 connection", b.Remote, a.Remote))
		}
	}
	return fails
}

// TestBrowserAgainstBroncoServer opens the page in headless Chromium once per setup of
// bronco's server: the browser's own WebSocket, same origin as the endpoint on net/http
// (and over TLS with HTTP/2 for the h2 setups, where the page opens a second socket that
// must share the first one's connection).
func TestBrowserAgainstBroncoServer(t *testing.T) {
	var pages []string
	for _, s := range fleet.Servers {
		if s.Mount == "h2" {
			s.Page += "&second=1"
		}
		pages = append(pages, s.Page)
	}
	list, _ := json.Marshal(pages)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "node/browser.mjs", "pages", string(list))
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	byPage := map[string]Result{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r Result
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			byPage[r.URL] = r
		}
	}
	var results []Result
	for _, s := range fleet.Servers {
		r, ok := byPage[s.Page]
		if !ok {
			r.Failures = []string{fmt.Sprintf("no result from the page (exit: %v); stderr: %s", err, tail(stderr.String(), 2000))}
		}
		r.URL, r.Variant = s.URL+"?cell=browser", "browser"
		results = append(results, r)
	}
	judgeServerRuns(t, "Chromium", results)
}

// TestChatInBrowser runs the chat example and has two Chromium pages talk through it; the
// screenshot goes to out/chat.png.
func TestChatInBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, _ := filepath.Abs(filepath.Join("out", "chat"))
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/chat")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the chat example: %v\n%s", err, out)
	}
	chat := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
	logs, err := chat.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := chat.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { chat.Process.Kill(); chat.Wait() }()
	addr := regexp.MustCompile(`chat on (http://\S+)`)
	var url string
	sc := bufio.NewScanner(logs)
	for url == "" && sc.Scan() {
		if m := addr.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatal("the chat example printed no address")
	}
	go sc.Scan() // keep draining its log
	shot, _ := filepath.Abs(filepath.Join("out", "chat.png"))
	cmd := exec.CommandContext(ctx, "node", "node/browser.mjs", "chat", url, shot)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var res struct {
		OK       bool     `json:"ok"`
		Failures []string `json:"failures"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		res.Failures = append(res.Failures, fmt.Sprintf("no result (exit %v, output %q): %s", err, out, tail(stderr.String(), 2000)))
	} else if !res.OK && len(res.Failures) == 0 {
		res.Failures = []string{"not ok, without a failure named"}
	}
	summary.Note(fmt.Sprintf("Chat example in two Chromium pages (a line typed in one appears in the other, and back): %s.", verdict(res.Failures)))
	report(t, "chat in the browser", res.Failures, nil)
}

// report fails t with every failure of a run in full, one per line, so that the CI log alone
// names the case, the bytes and the close code.
func report(t *testing.T, run string, fails, notes []string) {
	t.Helper()
	if len(fails) == 0 {
		return
	}
	msg := run + ":\n  " + strings.Join(fails, "\n  ")
	if len(notes) > 0 {
		msg += "\nnotes:\n  " + strings.Join(notes, "\n  ")
	}
	t.Error(msg)
}

func verdict(fails []string) string {
	if len(fails) == 0 {
		return "PASS"
	}
	return "**FAIL**"
}

// versions names the peers' versions as this machine has them.
func versions() string {
	run := func(dir string, argv ...string) string {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			return "?"
		}
		return strings.TrimSpace(string(out))
	}
	chromium := strings.TrimSuffix(run(".", "chromium", "--version"), " built on Debian GNU/Linux 12 (bookworm)")
	return strings.Join([]string{
		chromium,
		"node " + run(".", "node", "--version") + " with ws " + run("node", "node", "-p", `require("ws/package.json").version`),
		"Python websockets " + run(".", ".venv/bin/python", "-c", "import websockets; print(websockets.__version__)"),
		"gorilla/websocket " + run(".", "go", "list", "-m", "-f", "{{.Version}}", "github.com/gorilla/websocket"),
		"coder/websocket " + run(".", "go", "list", "-m", "-f", "{{.Version}}", "github.com/coder/websocket"),
	}, ", ")
}
