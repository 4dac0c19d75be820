package server

import (
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// negotiate picks the extensions of a connection: permessage-deflate when the connection
// allows compression and the client offers an acceptable variant (RFC 7692 §5), else none.
func negotiate(u *Upgrade, opts *Options) (ws.Extension, []handshake.Extension) {
	if !u.Compress {
		return nil, nil
	}
	p, resp, ok := deflate.Accept(u.Request.Extensions, opts.Deflate)
	if !ok {
		return nil, nil
	}
	return newDeflateExtension(p, opts.Deflate), []handshake.Extension{resp}
}

// deflateExtension adapts ws/deflate's codec to the engine's Extension hook for the server
// side of one connection: it compresses with the server's window and inflates the client's.
type deflateExtension struct {
	cfg deflate.Config
	enc *deflate.Encoder
	dec *deflate.Decoder
}

func newDeflateExtension(p deflate.Params, cfg deflate.Config) *deflateExtension {
	return &deflateExtension{
		cfg: cfg,
		enc: p.Encoder(true, cfg.Level),
		dec: p.Decoder(true),
	}
}

func (*deflateExtension) Rsv() byte { return frame.RSV1 }

func (d *deflateExtension) Decode(dst, payload []byte, limit int64) ([]byte, error) {
	out, err := d.dec.AppendDecompress(dst, payload, limit)
	if err != nil {
		return out, deflateError{err}
	}
	return out, nil
}

// Encode compresses msg unless it is below the threshold: the decision comes before the
// encoder sees the message, so its window stays in step with the client's (RFC 7692 §7.2.1).
func (d *deflateExtension) Encode(dst, msg []byte) ([]byte, byte) {
	if !d.cfg.ShouldCompress(len(msg)) {
		return dst, 0
	}
	return d.enc.AppendCompress(dst, msg), frame.RSV1
}

func (d *deflateExtension) Release() {
	d.enc.Release()
	d.dec.Release()
}

// deflateError gives a deflate error the close code the engine reads through ws.CloseCoder.
type deflateError struct{ error }

func (e deflateError) CloseCode() frame.CloseCode {
	if c := deflate.CloseCode(e.error); c != 0 {
		return frame.CloseCode(c)
	}
	return frame.CloseInvalidPayload
}

func (e deflateError) Unwrap() error { return e.error }
