// Command chat is a chat room: every message a browser sends is broadcast to every connected
// browser through infos (Pid.Send), the way an Erlang room process would. A line is encoded
// once for the whole room (server.Prepare), and compressed once too. It serves its own page
// at / and the WebSocket endpoint at /ws, on net/http.
//
//	go run ./examples/chat -addr 127.0.0.1:8080
package main

import (
	_ "embed"
	"flag"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
)

//go:embed index.html
var page []byte

// room holds the Pid of every member. Members join in websocket_init and leave in terminate.
type room struct {
	mu      sync.Mutex
	members map[*member]server.Pid
}

// broadcast sends line to every member, encoded once for all of them.
func (r *room) broadcast(line []byte) {
	p := server.Prepare(frame.OpText, line)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, pid := range r.members {
		// A member whose mailbox is full misses this line rather than slowing the room.
		pid.Send(p)
	}
}

// A member may send a burst of burstLines lines, then one line per refill: more is a flood,
// which the room refuses by closing with a policy violation (1008).
const (
	burstLines = 20
	refill     = 200 * time.Millisecond
)

var errFlood = frame.NewError(frame.ErrPolicy, "chat: too many lines, too fast")

// member is one connection's handler and state.
type member struct {
	room   *room
	tokens int       // lines the member may still send at once
	filled time.Time // when tokens was last topped up
}

func (m *member) WebsocketInit(c *server.Conn) server.Result {
	m.room.mu.Lock()
	m.room.members[m] = c.Self()
	m.room.mu.Unlock()
	return server.Reply(server.Text([]byte("welcome")))
}

func (m *member) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	if f.Op != frame.OpText {
		return server.OK()
	}
	if !m.take(time.Now()) {
		return server.Reply(server.CloseFrame(frame.CloseCodeOf(errFlood), errFlood.Error()))
	}
	m.room.broadcast(f.Data) // Prepare copies it: f.Data is only valid during the call
	return server.OK()
}

// take spends one line of the member's budget, topping it up for the time gone by.
func (m *member) take(now time.Time) bool {
	if m.filled.IsZero() {
		m.tokens, m.filled = burstLines, now
	}
	if earned := int(now.Sub(m.filled) / refill); earned > 0 {
		m.tokens = min(burstLines, m.tokens+earned)
		m.filled = m.filled.Add(time.Duration(earned) * refill)
	}
	if m.tokens == 0 {
		return false
	}
	m.tokens--
	return true
}

func (m *member) WebsocketInfo(_ *server.Conn, info any) server.Result {
	if p, ok := info.(*server.Prepared); ok {
		return server.Reply(p.Frame())
	}
	return server.OK()
}

func (m *member) Terminate(server.Reason) {
	m.room.mu.Lock()
	delete(m.room.members, m)
	m.room.mu.Unlock()
}

// options compress for browsers that offer permessage-deflate (a broadcast line is
// compressed once for the room either way), without context takeover on the server's side,
// so that a member's connection holds no compression window between lines.
var options = server.Options{Compress: true, Deflate: deflate.Config{ServerNoContextTakeover: true}}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	r := &room{members: map[*member]server.Pid{}}
	ws := server.New(func(*server.Upgrade) (server.Handler, error) { return &member{room: r}, nil }, options)
	mux := http.NewServeMux()
	mux.Handle("/ws", ws)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	ln, err := net.Listen("tcp", *addr) // port 0 picks a free port, printed below
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("chat on http://%s/", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
}
