package deflate

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const pmd = ExtensionName

var defaultParams = Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}

// acceptTest is one row of TestAccept.
type acceptTest struct {
	name     string
	offers   []string
	cfg      Config
	ok       bool
	want     Params
	wantResp string
}

var acceptTests = []acceptTest{
	{name: "RFC 7692 §7: plain offer accepted with defaults", offers: []string{pmd}, ok: true, want: defaultParams, wantResp: pmd},
	{name: "RFC 7692 §7.1.2.2: client_max_window_bits without value, no limit wished", offers: []string{pmd + "; client_max_window_bits"}, ok: true, want: defaultParams, wantResp: pmd},
	{name: "RFC 7692 §7.1.2.2: server limits a client that offered the parameter", offers: []string{pmd + "; client_max_window_bits"}, cfg: Config{ClientMaxWindowBits: 10}, ok: true,
		want: Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 10}, wantResp: pmd + "; client_max_window_bits=10"},
	{name: "RFC 7692 §7.1.2.2: server MUST NOT send client_max_window_bits the client did not offer", offers: []string{pmd}, cfg: Config{ClientMaxWindowBits: 10}, ok: true,
		want: defaultParams, wantResp: pmd},
	{name: "RFC 7692 §7.1.2.2: response value not greater than the offered one", offers: []string{pmd + "; client_max_window_bits=9"}, cfg: Config{ClientMaxWindowBits: 12}, ok: true,
		want: Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 9}, wantResp: pmd + "; client_max_window_bits=9"},
	{name: "RFC 7692 §7.1.2.2: server may tighten the offered client window", offers: []string{pmd + "; client_max_window_bits=12"}, cfg: Config{ClientMaxWindowBits: 9}, ok: true,
		want: Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 9}, wantResp: pmd + "; client_max_window_bits=9"},
	{name: "RFC 7692 §7.1.2.1: server window tightened below the requested one", offers: []string{pmd + "; server_max_window_bits=12"}, cfg: Config{ServerMaxWindowBits: 10}, ok: true,
		want: Params{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}, wantResp: pmd + "; server_max_window_bits=10"},
	{name: "RFC 7692 §7.1.2.1: server may limit its own window unasked", offers: []string{pmd}, cfg: Config{ServerMaxWindowBits: 11}, ok: true,
		want: Params{ServerMaxWindowBits: 11, ClientMaxWindowBits: 15}, wantResp: pmd + "; server_max_window_bits=11"},
	{name: "RFC 7692 §7.1.1.1: server MUST echo an offered server_no_context_takeover", offers: []string{pmd + "; server_no_context_takeover"}, ok: true,
		want: Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, wantResp: pmd + "; server_no_context_takeover"},
	{name: "RFC 7692 §7.1.1.1: server may add server_no_context_takeover unasked", offers: []string{pmd}, cfg: Config{ServerNoContextTakeover: true}, ok: true,
		want: Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, wantResp: pmd + "; server_no_context_takeover"},
	{name: "RFC 7692 §7.1.1.2: offered client_no_context_takeover acknowledged", offers: []string{pmd + "; client_no_context_takeover"}, ok: true,
		want: Params{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, wantResp: pmd + "; client_no_context_takeover"},
	{name: "RFC 7692 §7.1.1.2: server may require client_no_context_takeover", offers: []string{pmd}, cfg: Config{ClientNoContextTakeover: true}, ok: true,
		want: Params{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, wantResp: pmd + "; client_no_context_takeover"},
	{name: "RFC 7692 §7.1: every parameter at once (Autobahn 13.7.x style)", offers: []string{pmd + "; client_max_window_bits=8; server_max_window_bits=8; client_no_context_takeover; server_no_context_takeover"}, ok: true,
		want:     Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 8, ClientMaxWindowBits: 8},
		wantResp: pmd + "; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8; client_max_window_bits=8"},

	{name: "RFC 7692 §7: first acceptable offer wins, malformed ones skipped", offers: []string{pmd + "; foo", pmd + "; server_max_window_bits=10", pmd}, ok: true,
		want: Params{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}, wantResp: pmd + "; server_max_window_bits=10"},
	{name: "RFC 7692 §7: first of two valid offers wins", offers: []string{pmd + "; server_no_context_takeover", pmd}, ok: true,
		want: Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, wantResp: pmd + "; server_no_context_takeover"},
	{name: "other extensions are skipped", offers: []string{"x-webkit-deflate-frame", pmd}, ok: true, want: defaultParams, wantResp: pmd},

	{name: "RFC 7692 §7: MUST decline an unknown parameter", offers: []string{pmd + "; foo"}},
	{name: "RFC 7692 §7: MUST decline a response-only use: unknown name with a value", offers: []string{pmd + "; max_window_bits=10"}},
	{name: "RFC 7692 §7: MUST decline duplicated server_no_context_takeover", offers: []string{pmd + "; server_no_context_takeover; server_no_context_takeover"}},
	{name: "RFC 7692 §7: MUST decline duplicated client_max_window_bits", offers: []string{pmd + "; client_max_window_bits; client_max_window_bits=10"}},
	{name: "RFC 7692 §7: MUST decline duplicated server_max_window_bits", offers: []string{pmd + "; server_max_window_bits=10; server_max_window_bits=10"}},
	{name: "RFC 7692 §7.1.1.1: MUST decline server_no_context_takeover with a value", offers: []string{pmd + "; server_no_context_takeover=1"}},
	{name: "RFC 7692 §7.1.1.1: MUST decline server_no_context_takeover with an empty value", offers: []string{pmd + "; server_no_context_takeover="}},
	{name: "RFC 7692 §7.1.1.2: MUST decline client_no_context_takeover with a value", offers: []string{pmd + "; client_no_context_takeover=true"}},
	{name: "RFC 7692 §7.1.2.1: MUST decline server_max_window_bits without a value", offers: []string{pmd + "; server_max_window_bits"}},
	{name: "RFC 7692 §7.1.2.1: MUST decline server_max_window_bits=7", offers: []string{pmd + "; server_max_window_bits=7"}},
	{name: "RFC 7692 §7.1.2.1: MUST decline server_max_window_bits=16", offers: []string{pmd + "; server_max_window_bits=16"}},
	{name: "RFC 7692 §7.1.2.1: MUST decline a leading zero", offers: []string{pmd + "; server_max_window_bits=09"}},
	{name: "RFC 7692 §7.1.2.1: MUST decline zero", offers: []string{pmd + "; server_max_window_bits=0"}},
	{name: "RFC 7692 §7.1.2.1: MUST decline a non-number", offers: []string{pmd + "; server_max_window_bits=ten"}},
	{name: "RFC 7692 §7.1.2.1: MUST decline a sign", offers: []string{pmd + "; server_max_window_bits=+9"}},
	{name: "RFC 7692 §7.1.2.1: MUST decline an empty value", offers: []string{pmd + "; server_max_window_bits="}},
	{name: "RFC 7692 §7.1.2.1: MUST decline a three-digit value", offers: []string{pmd + "; server_max_window_bits=100"}},
	{name: "RFC 7692 §7.1.2.2: MUST decline client_max_window_bits=7", offers: []string{pmd + "; client_max_window_bits=7"}},
	{name: "RFC 7692 §7.1.2.2: MUST decline client_max_window_bits=16", offers: []string{pmd + "; client_max_window_bits=16"}},
	{name: "RFC 7692 §7.1.2.2: MUST decline client_max_window_bits with a leading zero", offers: []string{pmd + "; client_max_window_bits=010"}},
	{name: "RFC 7692 §7.1.2.2: MUST decline an empty client_max_window_bits value", offers: []string{pmd + "; client_max_window_bits="}},
	{name: "no offer of the extension", offers: []string{"x-webkit-deflate-frame"}},
	{name: "no offers at all"},
	{name: "invalid config declines", offers: []string{pmd}, cfg: Config{Level: 42}},
}

func init() {
	// RFC 7692 §7.1.2.1 and §7.1.2.2: every window a client may ask for is
	// honoured exactly, 8 included (Autobahn 13.3.x–13.7.x ask for 8 or 9).
	for bits := MinWindowBits; bits <= MaxWindowBits; bits++ {
		v := fmt.Sprint(bits)
		acceptTests = append(acceptTests,
			acceptTest{
				name:   "RFC 7692 §7.1.2.1: server_max_window_bits=" + v + " honoured",
				offers: []string{pmd + "; server_max_window_bits=" + v}, ok: true,
				want: Params{ServerMaxWindowBits: bits, ClientMaxWindowBits: 15}, wantResp: pmd + "; server_max_window_bits=" + v,
			},
			acceptTest{
				name:   "RFC 7692 §7.1.2.2: client_max_window_bits=" + v + " answered",
				offers: []string{pmd + "; client_max_window_bits=" + v}, ok: true,
				want: Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: bits}, wantResp: pmd + "; client_max_window_bits=" + v,
			})
	}
}

func TestAccept(t *testing.T) {
	for _, tt := range acceptTests {
		t.Run(tt.name, func(t *testing.T) {
			p, resp, ok := Accept(exts(tt.offers...), tt.cfg)
			if ok != tt.ok {
				t.Fatalf("Accept(%q) ok = %v; want %v", tt.offers, ok, tt.ok)
			}
			if !ok {
				if diff := cmp.Diff(Params{}, p); diff != "" {
					t.Errorf("declined Accept returned params (-want +got):\n%s", diff)
				}
				return
			}
			if diff := cmp.Diff(tt.want, p); diff != "" {
				t.Errorf("Accept(%q) params (-want +got):\n%s", tt.offers, diff)
			}
			if diff := cmp.Diff(tt.wantResp, render(resp)); diff != "" {
				t.Errorf("Accept(%q) response (-want +got):\n%s", tt.offers, diff)
			}
		})
	}
}

func TestOffer(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"RFC 7692 §7.1.2.2: zero config signals support for client_max_window_bits", Config{}, pmd + "; client_max_window_bits"},
		{"a window of 15 is the default and is not spelled out", Config{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, pmd + "; client_max_window_bits"},
		{"every wish", Config{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 9},
			pmd + "; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9"},
		{"out-of-range windows are left out", Config{ServerMaxWindowBits: 20, ClientMaxWindowBits: 3}, pmd + "; client_max_window_bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, render(Offer(tt.cfg))); diff != "" {
				t.Errorf("Offer(%+v) (-want +got):\n%s", tt.cfg, diff)
			}
		})
	}
}

func TestCheckResponse(t *testing.T) {
	tests := []struct {
		name    string
		resp    string
		cfg     Config
		want    Params
		wantErr error
	}{
		{name: "RFC 7692 §7: plain response", resp: pmd, want: defaultParams},
		{name: "RFC 7692 §7.1.1.1: server may add server_no_context_takeover", resp: pmd + "; server_no_context_takeover",
			want: Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{name: "RFC 7692 §7.1.1.1: offered server_no_context_takeover MUST be in the response", resp: pmd, cfg: Config{ServerNoContextTakeover: true}, wantErr: ErrResponse},
		{name: "RFC 7692 §7.1.1.2: client_no_context_takeover binds the client", resp: pmd + "; client_no_context_takeover",
			want: Params{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{name: "RFC 7692 §7.1.1.2: the client keeps its own no-takeover wish", resp: pmd, cfg: Config{ClientNoContextTakeover: true},
			want: Params{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{name: "RFC 7692 §7.1.2.1: smaller server window than offered", resp: pmd + "; server_max_window_bits=9", cfg: Config{ServerMaxWindowBits: 10},
			want: Params{ServerMaxWindowBits: 9, ClientMaxWindowBits: 15}},
		{name: "RFC 7692 §7.1.2.1: larger server window than offered fails", resp: pmd + "; server_max_window_bits=11", cfg: Config{ServerMaxWindowBits: 10}, wantErr: ErrResponse},
		{name: "RFC 7692 §7.1.2.1: offered server window MUST be in the response", resp: pmd, cfg: Config{ServerMaxWindowBits: 10}, wantErr: ErrResponse},
		{name: "RFC 7692 §7.1.2.1: server window unasked is accepted", resp: pmd + "; server_max_window_bits=12",
			want: Params{ServerMaxWindowBits: 12, ClientMaxWindowBits: 15}},
		{name: "RFC 7692 §7.1.2.2: client window set by the server", resp: pmd + "; client_max_window_bits=8",
			want: Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 8}},
		{name: "RFC 7692 §7.1.2.2: client window in a response MUST have a value", resp: pmd + "; client_max_window_bits", wantErr: ErrResponse},
		{name: "RFC 7692 §7.1.2.2: client window larger than offered fails", resp: pmd + "; client_max_window_bits=12", cfg: Config{ClientMaxWindowBits: 10}, wantErr: ErrResponse},
		{name: "RFC 7692 §7.1.2.2: absent client window leaves the client's own cap", resp: pmd, cfg: Config{ClientMaxWindowBits: 10},
			want: Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 10}},
		{name: "RFC 7692 §7: unknown parameter fails", resp: pmd + "; foo", wantErr: ErrResponse},
		{name: "RFC 7692 §7: duplicate parameter fails", resp: pmd + "; client_no_context_takeover; client_no_context_takeover", wantErr: ErrResponse},
		{name: "RFC 7692 §7: invalid value fails", resp: pmd + "; server_max_window_bits=16", wantErr: ErrResponse},
		{name: "RFC 7692 §7.1.1.2: value on client_no_context_takeover fails", resp: pmd + "; client_no_context_takeover=1", wantErr: ErrResponse},
		{name: "another extension is not our response", resp: "x-webkit-deflate-frame", wantErr: ErrResponse},
		{name: "invalid config", resp: pmd, cfg: Config{ServerMaxWindowBits: 7}, wantErr: ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckResponse(ext(tt.resp), tt.cfg)
			if !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("CheckResponse(%q) error = %v; want %v", tt.resp, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckResponse(%q) (-want +got):\n%s", tt.resp, diff)
			}
		})
	}
}

// TestNegotiationAgrees checks that both roles derive the same Params from
// one exchange, for every combination of wishes on either side.
func TestNegotiationAgrees(t *testing.T) {
	var configs []Config
	for _, bits := range []int{0, 8, 9, 12, 15} {
		for _, noCtx := range []bool{false, true} {
			configs = append(configs,
				Config{ServerMaxWindowBits: bits, ServerNoContextTakeover: noCtx},
				Config{ClientMaxWindowBits: bits, ClientNoContextTakeover: noCtx},
				Config{ServerMaxWindowBits: bits, ClientMaxWindowBits: 23 - bits%16, ClientNoContextTakeover: noCtx})
		}
	}
	for _, client := range configs {
		if client.Validate() != nil {
			continue
		}
		for _, server := range configs {
			if server.Validate() != nil {
				continue
			}
			sp, resp, ok := Accept(exts(render(Offer(client))), server)
			if !ok {
				t.Fatalf("server %+v declined client %+v", server, client)
			}
			cp, err := CheckResponse(resp, client)
			if err != nil {
				t.Fatalf("client %+v rejected %q from server %+v: %v", client, render(resp), server, err)
			}
			// The client may keep its own no-takeover wish silently; the
			// server's decoder copes either way.
			if client.ClientNoContextTakeover {
				sp.ClientNoContextTakeover = true
			}
			if diff := cmp.Diff(sp, cp); diff != "" {
				t.Errorf("client %+v, server %+v: (-server +client):\n%s", client, server, diff)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"zero value", Config{}, nil},
		{"every field at a limit", Config{Level: BestCompression, ServerMaxWindowBits: 8, ClientMaxWindowBits: 15}, nil},
		{"huffman only", Config{Level: HuffmanOnly}, nil},
		{"level too high", Config{Level: 10}, ErrConfig},
		{"negative level", Config{Level: -1}, ErrConfig},
		{"server window 7", Config{ServerMaxWindowBits: 7}, ErrConfig},
		{"client window 16", Config{ClientMaxWindowBits: 16}, ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if !errors.Is(err, tt.want) || (err != nil) != (tt.want != nil) {
				t.Errorf("Validate(%+v) = %v; want %v", tt.cfg, err, tt.want)
			}
		})
	}
}

func TestShouldCompress(t *testing.T) {
	tests := []struct {
		name      string
		threshold int
		size      int
		want      bool
	}{
		{"default threshold, below", 0, DefaultThreshold - 1, false},
		{"default threshold, at", 0, DefaultThreshold, true},
		{"custom threshold, below", 1000, 999, false},
		{"custom threshold, at", 1000, 1000, true},
		{"negative threshold compresses empty messages", -1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Config{Threshold: tt.threshold}).ShouldCompress(tt.size); got != tt.want {
				t.Errorf("ShouldCompress(%d) with threshold %d = %v; want %v", tt.size, tt.threshold, got, tt.want)
			}
		})
	}
}
