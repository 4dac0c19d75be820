// Package deflate is the permessage-deflate extension of RFC 7692: negotiation of its
// parameters and a sans-IO codec that compresses and inflates whole messages under any
// window size from 8 to 15 bits.
//
// A server accepts the client's offer, answers it, and gives the engine the codec:
//
//	p, resp, ok := deflate.Accept(req.Extensions, deflate.Config{})
//	if ok {
//		cfg.Codec = deflate.NewCodec(p, deflate.Config{}, frame.RoleServer) // cfg is a ws.Config
//		// and send resp in the 101 response's Sec-WebSocket-Extensions
//	}
//
// A client sends [Offer] and checks the answer with [CheckResponse]. Errors are of package
// frame's kinds: [ErrCorrupt] is bad encoding (1007), [ErrInflatedTooBig] bad size (1009).
package deflate

import "fmt"

// ExtensionName is the extension token of RFC 7692 §7 in Sec-WebSocket-Extensions.
const ExtensionName = "permessage-deflate"

// Window sizes are base-2 logarithms of the LZ77 sliding window (RFC 7692 §7.1.2).
const (
	MinWindowBits = 8
	MaxWindowBits = 15
)

// Compression levels for [NewEncoder] and [Config.Level]. Levels between
// BestSpeed and BestCompression trade speed for ratio as in zlib.
const (
	// HuffmanOnly finds no matches and only entropy-codes the bytes.
	HuffmanOnly = -2
	// DefaultLevel is the level used when Config.Level is 0.
	DefaultLevel    = 6
	BestSpeed       = 1
	BestCompression = 9
)

// DefaultThreshold is the smallest message, in bytes, that [Config.ShouldCompress]
// compresses when Config.Threshold is 0: below it the DEFLATE framing and the
// CPU time cost more than the few bytes they could save.
const DefaultThreshold = 64

// Config holds one endpoint's wishes for permessage-deflate.
//
// The zero value asks for compression at DefaultLevel with a 15-bit window
// and context takeover in both directions, and compresses messages of at least
// DefaultThreshold bytes. Whether to negotiate the extension at all is the
// caller's switch: a server offers it only when its operator turns it on.
type Config struct {
	// Level is the compression level, BestSpeed to BestCompression or
	// HuffmanOnly; 0 means DefaultLevel.
	Level int

	// Threshold is the smallest message size worth compressing; 0 means
	// DefaultThreshold and a negative value compresses every message.
	Threshold int

	// ServerMaxWindowBits caps the window the server compresses with, 8 to
	// 15; 0 means no cap beyond the protocol's 15.
	ServerMaxWindowBits int

	// ClientMaxWindowBits caps the window the client compresses with, 8 to
	// 15; 0 means no cap beyond the protocol's 15. A server can impose it
	// only on a client that offered client_max_window_bits (RFC 7692 §7.1.2.2).
	ClientMaxWindowBits int

	// ServerNoContextTakeover makes the server compress every message with
	// an empty window, so neither side keeps history for that direction.
	ServerNoContextTakeover bool

	// ClientNoContextTakeover does the same for the client's direction.
	ClientNoContextTakeover bool
}

// Params is what was agreed for one connection. Window sizes are always
// filled in, 8 to 15, with 15 where nothing limited them.
type Params struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
}

// Validate reports whether every field of c is in its documented range.
// [Accept] declines and [CheckResponse] fails with a Config that is not.
func (c Config) Validate() error {
	if c.Level != 0 && c.Level != HuffmanOnly && (c.Level < BestSpeed || c.Level > BestCompression) {
		return wrap(ErrConfig, fmt.Sprintf("level %d", c.Level))
	}
	if !validBitsOrZero(c.ServerMaxWindowBits) {
		return wrap(ErrConfig, fmt.Sprintf("ServerMaxWindowBits %d", c.ServerMaxWindowBits))
	}
	if !validBitsOrZero(c.ClientMaxWindowBits) {
		return wrap(ErrConfig, fmt.Sprintf("ClientMaxWindowBits %d", c.ClientMaxWindowBits))
	}
	return nil
}

// ShouldCompress reports whether a message of size bytes is worth
// compressing under c's threshold.
//
// The engine must decide before the message reaches the [Encoder]: under
// context takeover the encoder's window takes in every byte it compresses,
// so a message it compressed but the engine then sent uncompressed would
// leave the two windows out of step and corrupt every later message.
func (c Config) ShouldCompress(size int) bool {
	switch {
	case c.Threshold < 0:
		return true
	case c.Threshold == 0:
		return size >= DefaultThreshold
	default:
		return size >= c.Threshold
	}
}

// level returns the effective compression level.
func (c Config) level() int {
	if c.Level == 0 {
		return DefaultLevel
	}
	return c.Level
}

func validBitsOrZero(bits int) bool {
	return bits == 0 || (bits >= MinWindowBits && bits <= MaxWindowBits)
}

// bitsOrMax maps the "no cap" zero value to the protocol maximum.
func bitsOrMax(bits int) int {
	if bits == 0 {
		return MaxWindowBits
	}
	return bits
}
