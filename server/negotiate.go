package server

import (
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// negotiate picks the extensions of a connection. permessage-deflate is wired in once
// ws/deflate lands; until then every offer is declined, which RFC 6455 §9.1 allows.
func negotiate(u *Upgrade, opts *Options) (ws.Extension, []handshake.Extension) {
	return nil, nil
}
