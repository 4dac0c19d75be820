package deflate

import "github.com/bronco-ws/bronco/ws/frame"

// Encoder returns the Encoder for what this endpoint sends: a server
// compresses under the server_* parameters, a client under the client_*
// ones (RFC 7692 §7.1).
func (p Params) Encoder(role frame.Role, level int) *Encoder {
	if role == frame.RoleServer {
		return NewEncoder(p.ServerMaxWindowBits, level, !p.ServerNoContextTakeover)
	}
	return NewEncoder(p.ClientMaxWindowBits, level, !p.ClientNoContextTakeover)
}

// Decoder returns the Decoder for what this endpoint receives: a server
// inflates what the client compressed under the client_* parameters, and
// the other way round.
func (p Params) Decoder(role frame.Role) *Decoder {
	if role == frame.RoleServer {
		return NewDecoder(p.ClientMaxWindowBits, !p.ClientNoContextTakeover)
	}
	return NewDecoder(p.ServerMaxWindowBits, !p.ServerNoContextTakeover)
}
