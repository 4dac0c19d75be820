package deflate

import "github.com/bronco-ws/bronco/ws/frame"

// Extension is permessage-deflate for one connection in the shape of the ws engine's
// extension hook (ws.Extension): it owns RSV1, compresses outgoing messages with our
// direction's window and inflates the peer's.
type Extension struct {
	cfg Config
	enc *Encoder
	dec *Decoder
}

// NewExtension returns the extension for one connection that agreed p, for the server's
// side when server is true and the client's otherwise. cfg supplies the level and threshold.
func NewExtension(p Params, cfg Config, server bool) *Extension {
	return &Extension{cfg: cfg, enc: p.Encoder(server, cfg.Level), dec: p.Decoder(server)}
}

// Rsv returns RSV1, the bit RFC 7692 §6 gives a compressed message's first frame.
func (*Extension) Rsv() byte { return frame.RSV1 }

// Decode appends the inflated message to dst, producing at most limit bytes.
func (x *Extension) Decode(dst, payload []byte, limit int64) ([]byte, error) {
	return x.dec.AppendDecompress(dst, payload, limit)
}

// Encode appends msg compressed to dst with RSV1, or returns dst unchanged and 0 when msg is
// below the threshold. The decision comes before the encoder sees msg, so that under context
// takeover the two windows stay in step (see Config.ShouldCompress).
func (x *Extension) Encode(dst, msg []byte) ([]byte, byte) {
	if !x.cfg.ShouldCompress(len(msg)) {
		return dst, 0
	}
	return x.enc.AppendCompress(dst, msg), frame.RSV1
}

// Release frees what both directions can rebuild, while the connection sleeps.
func (x *Extension) Release() {
	x.enc.Release()
	x.dec.Release()
}
