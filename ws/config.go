package ws

import "github.com/bronco-ws/bronco/ws/frame"

// Default limits, on unless a Config says otherwise: 1 MiB, as Cowboy's max_frame_size since
// 2.17. A peer can make a connection hold about this much (more with permessage-deflate,
// where 16 KiB sent can inflate to the whole limit), so the default stays small;
// applications that take larger messages raise it (the Autobahn testsuite's 9.* cases need
// 16 MiB, and its testees set that).
const (
	DefaultMaxFrameSize   = 1 << 20
	DefaultMaxMessageSize = 1 << 20
)

// Config sets up an Engine. The zero value is a server-side engine with the default limits,
// UTF-8 validation on and no extension.
type Config struct {
	// Role says which end this engine is: frame.RoleServer expects masked frames and sends
	// unmasked ones; frame.RoleClient the reverse.
	Role frame.Role

	// MaxFrameSize is the largest frame payload accepted (1009 beyond it);
	// 0 means DefaultMaxFrameSize and a negative value means no limit.
	MaxFrameSize int64

	// MaxMessageSize is the largest message accepted, counted after decompression
	// (1009 beyond it); 0 means DefaultMaxMessageSize and a negative value means no limit.
	MaxMessageSize int64

	// SkipUTF8Validation turns off the check of text messages (RFC 6455 §8.1). Leave it off
	// unless the application validates text itself.
	SkipUTF8Validation bool

	// Stream delivers data frames in pieces, as they arrive, as EventFragment events instead
	// of whole messages. Compressed messages are always delivered whole.
	Stream bool

	// Codec, when set, is the message codec of the negotiated extension (permessage-deflate's
	// is a *deflate.Codec).
	Codec Codec
}

func limit(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 1<<63 - 1
	}
	return v
}
