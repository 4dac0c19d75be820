package server

import (
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/extension"
	"github.com/bronco-ws/bronco/ws/frame"
)

// negotiate picks the extensions of a connection: permessage-deflate when the connection
// allows compression and the client offers an acceptable variant (RFC 7692 §5), else none.
func negotiate(u *Upgrade, opts *Options) (ws.Codec, []extension.Extension) {
	if !u.Compress {
		return nil, nil
	}
	p, resp, ok := deflate.Accept(u.Request.Extensions, opts.Deflate)
	if !ok {
		return nil, nil
	}
	return deflate.NewCodec(p, opts.Deflate, frame.RoleServer), []extension.Extension{resp}
}
