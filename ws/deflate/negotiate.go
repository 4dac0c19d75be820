package deflate

import (
	"strconv"

	"github.com/bronco-ws/bronco/ws/extension"
)

// Parameter names of RFC 7692 §7.1.
const (
	paramServerNoContextTakeover = "server_no_context_takeover"
	paramClientNoContextTakeover = "client_no_context_takeover"
	paramServerMaxWindowBits     = "server_max_window_bits"
	paramClientMaxWindowBits     = "client_max_window_bits"
)

// Accept picks the first offer in offers that a server may accept
// (RFC 7692 §7) and answers it under cfg. It returns the agreed Params and
// the extension to put in the response's Sec-WebSocket-Extensions header;
// ok is false when no offer is acceptable and the server must respond
// without the extension.
//
// Every valid offer is acceptable: a requested server_max_window_bits, 8
// included, is honoured exactly. cfg can only tighten what the client asked
// for; ClientMaxWindowBits reaches a client only if it offered
// client_max_window_bits. An invalid cfg declines everything.
func Accept(offers []extension.Extension, cfg Config) (p Params, resp extension.Extension, ok bool) {
	if cfg.Validate() != nil {
		return Params{}, extension.Extension{}, false
	}
	for _, offer := range offers {
		if offer.Name != ExtensionName {
			continue
		}
		// RFC 7692 §7: a malformed offer is declined, and the next offer,
		// typically a fallback, is considered in its place.
		o, err := parseParams(offer.Params, false)
		if err != nil {
			continue
		}
		p, resp = answer(o, cfg)
		return p, resp, true
	}
	return Params{}, extension.Extension{}, false
}

// answer builds the server's response to a well-formed offer.
func answer(o params, cfg Config) (Params, extension.Extension) {
	p := Params{
		ServerNoContextTakeover: o.serverNoContextTakeover || cfg.ServerNoContextTakeover,
		ClientNoContextTakeover: o.clientNoContextTakeover || cfg.ClientNoContextTakeover,
		ServerMaxWindowBits:     min(bitsOrMax(o.serverMaxWindowBits), bitsOrMax(cfg.ServerMaxWindowBits)),
		ClientMaxWindowBits:     MaxWindowBits,
	}
	if o.clientMaxWindowBitsPresent {
		p.ClientMaxWindowBits = min(bitsOrMax(o.clientMaxWindowBits), bitsOrMax(cfg.ClientMaxWindowBits))
	}

	resp := extension.Extension{Name: ExtensionName}
	if p.ServerNoContextTakeover {
		resp.Params = append(resp.Params, extension.Param{Name: paramServerNoContextTakeover})
	}
	if p.ClientNoContextTakeover {
		resp.Params = append(resp.Params, extension.Param{Name: paramClientNoContextTakeover})
	}
	// RFC 7692 §7.1.2.1: a requested server window must be echoed.
	if o.serverMaxWindowBits != 0 || p.ServerMaxWindowBits < MaxWindowBits {
		resp.Params = append(resp.Params, bitsParam(paramServerMaxWindowBits, p.ServerMaxWindowBits))
	}
	// RFC 7692 §7.1.2.2: never name the client's window unless it offered
	// the parameter, and answer a value it gave so it need not guess.
	if o.clientMaxWindowBitsPresent && (o.clientMaxWindowBits != 0 || p.ClientMaxWindowBits < MaxWindowBits) {
		resp.Params = append(resp.Params, bitsParam(paramClientMaxWindowBits, p.ClientMaxWindowBits))
	}
	return p, resp
}

// Offer returns the client's offer for cfg. It always includes
// client_max_window_bits, since this package's encoder honours any window
// the server names (RFC 7692 §7.1.2.2). Fields outside their range are
// left out; call [Config.Validate] first to catch them.
func Offer(cfg Config) extension.Extension {
	ext := extension.Extension{Name: ExtensionName}
	if cfg.ServerNoContextTakeover {
		ext.Params = append(ext.Params, extension.Param{Name: paramServerNoContextTakeover})
	}
	if cfg.ClientNoContextTakeover {
		ext.Params = append(ext.Params, extension.Param{Name: paramClientNoContextTakeover})
	}
	if bits := offeredBits(cfg.ServerMaxWindowBits); bits != 0 {
		ext.Params = append(ext.Params, bitsParam(paramServerMaxWindowBits, bits))
	}
	if bits := offeredBits(cfg.ClientMaxWindowBits); bits != 0 {
		ext.Params = append(ext.Params, bitsParam(paramClientMaxWindowBits, bits))
	} else {
		ext.Params = append(ext.Params, extension.Param{Name: paramClientMaxWindowBits})
	}
	return ext
}

// CheckResponse validates the server's response against the offer
// [Offer](cfg) made and returns the agreed Params. An error wraps
// ErrResponse, and the client must then fail the connection (RFC 7692 §7).
func CheckResponse(resp extension.Extension, cfg Config) (Params, error) {
	if err := cfg.Validate(); err != nil {
		return Params{}, err
	}
	if resp.Name != ExtensionName {
		return Params{}, wrap(ErrResponse, "extension "+quote(resp.Name)+" was not offered")
	}
	r, err := parseParams(resp.Params, true)
	if err != nil {
		return Params{}, err
	}
	if cfg.ServerNoContextTakeover && !r.serverNoContextTakeover {
		return Params{}, wrap(ErrResponse, paramServerNoContextTakeover+" was offered but not in the response")
	}
	if offered := offeredBits(cfg.ServerMaxWindowBits); offered != 0 {
		if r.serverMaxWindowBits == 0 {
			return Params{}, wrap(ErrResponse, paramServerMaxWindowBits+" was offered but not in the response")
		}
		if r.serverMaxWindowBits > offered {
			return Params{}, wrap(ErrResponse, paramServerMaxWindowBits+" is larger than offered")
		}
	}
	if offered := offeredBits(cfg.ClientMaxWindowBits); offered != 0 && r.clientMaxWindowBits > offered {
		return Params{}, wrap(ErrResponse, paramClientMaxWindowBits+" is larger than offered")
	}
	return Params{
		ServerNoContextTakeover: r.serverNoContextTakeover,
		ClientNoContextTakeover: r.clientNoContextTakeover || cfg.ClientNoContextTakeover,
		ServerMaxWindowBits:     bitsOrMax(r.serverMaxWindowBits),
		ClientMaxWindowBits:     min(bitsOrMax(r.clientMaxWindowBits), bitsOrMax(cfg.ClientMaxWindowBits)),
	}, nil
}

// params is one offer or response, parsed. Zero window bits mean absent
// (or, for an offer's client_max_window_bits, present without a value).
type params struct {
	serverNoContextTakeover    bool
	clientNoContextTakeover    bool
	serverMaxWindowBits        int
	clientMaxWindowBits        int
	clientMaxWindowBitsPresent bool
}

// parseParams applies the rules of RFC 7692 §7 common to offers and
// responses: only the four parameters of §7.1, each at most once, with a
// value exactly where §7.1 allows one.
func parseParams(list []extension.Param, response bool) (params, error) {
	var p params
	var seen [4]bool
	for _, prm := range list {
		var slot int
		switch prm.Name {
		case paramServerNoContextTakeover:
			slot = 0
		case paramClientNoContextTakeover:
			slot = 1
		case paramServerMaxWindowBits:
			slot = 2
		case paramClientMaxWindowBits:
			slot = 3
		default:
			return params{}, wrap(ErrResponse, "unknown parameter "+quote(prm.Name))
		}
		if seen[slot] {
			return params{}, wrap(ErrResponse, "duplicate parameter "+prm.Name)
		}
		seen[slot] = true

		switch slot {
		case 0, 1:
			// RFC 7692 §7.1.1.1 and §7.1.1.2: these parameters have no value.
			if prm.HasValue {
				return params{}, wrap(ErrResponse, prm.Name+" must not have a value")
			}
			if slot == 0 {
				p.serverNoContextTakeover = true
			} else {
				p.clientNoContextTakeover = true
			}
		case 2:
			// RFC 7692 §7.1.2.1: a value is required in offers and responses.
			bits, ok := parseBits(prm)
			if !ok {
				return params{}, wrap(ErrResponse, "bad "+paramServerMaxWindowBits+" "+quote(prm.Value))
			}
			p.serverMaxWindowBits = bits
		case 3:
			// RFC 7692 §7.1.2.2: optional in an offer, required in a response.
			p.clientMaxWindowBitsPresent = true
			if !prm.HasValue && !response {
				continue
			}
			bits, ok := parseBits(prm)
			if !ok {
				return params{}, wrap(ErrResponse, "bad "+paramClientMaxWindowBits+" "+quote(prm.Value))
			}
			p.clientMaxWindowBits = bits
		}
	}
	return p, nil
}

// parseBits accepts the decimal integers 8 to 15 without leading zeros
// (RFC 7692 §7.1.2.1: "a decimal integer value without leading zeroes").
func parseBits(prm extension.Param) (int, bool) {
	v := prm.Value
	if !prm.HasValue || len(v) == 0 || len(v) > 2 || v[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		n = n*10 + int(v[i]-'0')
	}
	if n < MinWindowBits || n > MaxWindowBits {
		return 0, false
	}
	return n, true
}

func bitsParam(name string, bits int) extension.Param {
	return extension.Param{Name: name, Value: strconv.Itoa(bits), HasValue: true}
}

// offeredBits is the window value Offer writes for a Config field: none for
// 0 or 15 (the default says as much) or for an invalid value.
func offeredBits(bits int) int {
	if bits >= MinWindowBits && bits < MaxWindowBits {
		return bits
	}
	return 0
}
