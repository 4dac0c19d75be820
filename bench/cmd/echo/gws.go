package main

import (
	"net"
	"net/http"

	"github.com/lxzan/gws"
)

// gwsEcho is gws's event handler: the message buffer goes back to gws's pool after the write.
type gwsEcho struct{ gws.BuiltinEventHandler }

func (gwsEcho) OnMessage(s *gws.Conn, m *gws.Message) {
	defer m.Close()
	_ = s.WriteMessage(m.Opcode, m.Bytes())
}

// serveGWS follows gws's README: an Upgrader mounted on net/http and ReadLoop in the
// connection's goroutine (ParallelEnabled off, so messages are handled in order, inline).
func serveGWS(l net.Listener, c config) error {
	up := gws.NewUpgrader(gwsEcho{}, &gws.ServerOption{
		ReadMaxPayloadSize: maxMessage,
		PermessageDeflate: gws.PermessageDeflate{
			Enabled:               c.compress,
			Level:                 1,
			ServerContextTakeover: false,
			ClientContextTakeover: false,
		},
	})
	return http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		conn.ReadLoop()
	}))
}
