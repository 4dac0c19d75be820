package server

import (
	"sync"

	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
)

// Prepared is a text or binary message encoded once and sent to many connections, for
// broadcasts (gorilla's PreparedMessage): its frame is built once without compression, and
// once per permessage-deflate form (deflate.Shared: the window and level) that the
// connections it goes to use, so that 10 000 receivers cost one compression, not 10 000.
// The compressed form refers to nothing before the message, so it is valid under context
// takeover too: such a connection then copies the message into its encoder's window, as
// its client's decoder does, and its own next messages may refer back into it. Any
// goroutine may share a Prepared; send it with its Frame.
type Prepared struct {
	op    frame.Opcode
	data  []byte
	plain []byte // the uncompressed frame, header and payload

	mu    sync.Mutex
	forms []preparedForm // the compressed frames built so far
}

// preparedForm is the frame of a Prepared compressed in one form.
type preparedForm struct {
	form  deflate.Shared
	frame []byte
}

// Prepare returns data as a message of type op (frame.OpText or frame.OpBinary) ready to
// be sent to many connections. It copies data.
func Prepare(op frame.Opcode, data []byte) *Prepared {
	p := &Prepared{op: op, data: append([]byte(nil), data...)}
	p.plain = frame.AppendFrame(nil, frame.Header{Fin: true, Opcode: op, Length: int64(len(data))}, p.data)
	return p
}

// Frame returns the frame that sends p, for a Result (Reply(p.Frame())).
func (p *Prepared) Frame() Frame { return Frame{Op: p.op, Data: p.data, Prepared: p} }

// wire returns p's frame as c sends it: compressed in c's shared form, or plain.
func (p *Prepared) wire(c *Conn, compress bool) []byte {
	if !compress {
		return p.plain
	}
	codec, ok := c.eng.Codec().(*deflate.Codec)
	if !ok || !codec.ShouldCompress(len(p.data)) {
		return p.plain
	}
	fr := p.compressed(codec.Shared())
	codec.Absorb(p.data)
	return fr
}

// compressed returns p's frame compressed in form, building it the first time.
func (p *Prepared) compressed(form deflate.Shared) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.forms {
		if f.form == form {
			return f.frame
		}
	}
	payload := form.AppendCompress(nil, p.data)
	fr := frame.AppendFrame(nil, frame.Header{Fin: true, Rsv: frame.RSV1, Opcode: p.op, Length: int64(len(payload))}, payload)
	p.forms = append(p.forms, preparedForm{form, fr})
	return fr
}
