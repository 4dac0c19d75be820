// Package node is one instance of the cluster's chat room: a bronco server whose members are
// the instance's own connections, joined to every other instance's members through one Redis
// pub/sub channel.
//
// A line a member sends goes to the instance's single publisher, which PUBLISHes it to the
// channel; every instance, this one included, reads the channel on a single subscription and
// sends each line to each of its members, prepared once. Every hop is FIFO, so the lines of
// one member reach every other member in the order it sent them; nothing orders the lines of
// two members. Redis pub/sub delivers at most once: a line published while an instance's
// subscription is down, or while a member reconnects, is lost for them.
package node

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bronco-ws/bronco/server"
	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Limits of the publisher's queue.
const (
	// QueueSize is how many lines may wait for the publisher. A member that finds the
	// queue full is closed with 1013 (Try Again Later) rather than have its line dropped
	// quietly: the member knows, and the order of the lines it sent before stays whole.
	QueueSize = 4096
	// batchMax is how many queued lines one pipelined round trip to Redis carries.
	batchMax = 256
)

// errQueueFull is the close reason of a member that found the publisher's queue full.
var errQueueFull = errors.New("node: publisher queue full")

//go:embed index.html
var pageSource string

var page = template.Must(template.New("page").Parse(pageSource))

// Options are the bronco server's options, as the one-process chat's: permessage-deflate for
// clients that offer it, without context takeover on the server's side, so a line is
// compressed once for every member of the instance.
var Options = server.Options{Compress: true, Deflate: deflate.Config{ServerNoContextTakeover: true}}

// RedisOptions returns the go-redis options a Node's client needs for the Redis at addr.
// MaxRetries is -1: a PUBLISH is never sent twice, since a retry after a lost reply would
// deliver a line twice; a failed PUBLISH is counted (Stats.PublishErrors) and its lines may
// be lost. That is what keeps delivery exactly once while nothing fails. The publisher has
// one connection (PoolSize 1, and no separate pool for pipelines); the subscription has one
// of its own, from go-redis' pub/sub pool.
func RedisOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:             addr,
		MaxRetries:       -1,
		PoolSize:         1,
		PipelinePoolSize: -1,
		DisableIdentity:  true, // CLIENT SETINFO is Redis 7.2's; Debian bookworm has 7.0
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled, // Redis Enterprise's, not ours
		},
	}
}

// Stats are a Node's counters, served as JSON at /stats.
type Stats struct {
	Instance string
	// Subscribed is true while the node's Redis subscription is confirmed (/healthz).
	Subscribed bool
	// Server is the bronco server's counters: Connections, DroppedInfos, ...
	Server server.Stats
	// Published counts the lines PUBLISHed; PublishErrors those whose PUBLISH failed,
	// which are not retried and may be lost; Refused the members closed with 1013
	// because the publisher's queue was full.
	Published, PublishErrors, Refused uint64
	// Received counts the lines read from the subscription; Delivered the sends to a
	// local member that its mailbox took; Dropped those refused with ErrMailboxFull.
	Received, Delivered, Dropped uint64
}

// Node is one instance: its members, its publisher queue and its counters.
type Node struct {
	name    string
	channel string
	rdb     *redis.Client
	ws      *server.Server
	queue   chan []byte

	mu      sync.Mutex
	members map[*member]server.Pid

	subscribed                        atomic.Bool
	published, publishErrors, refused atomic.Uint64
	received, delivered, dropped      atomic.Uint64
}

// New returns the instance called name, relaying its members' lines through channel on rdb,
// whose options should be RedisOptions'. Run starts the relaying.
func New(name, channel string, rdb *redis.Client) *Node {
	n := &Node{name: name, channel: channel, rdb: rdb, queue: make(chan []byte, QueueSize), members: map[*member]server.Pid{}}
	n.ws = server.New(func(*server.Upgrade) (server.Handler, error) { return &member{n: n}, nil }, Options)
	return n
}

// Handler serves the chat page at /, the WebSocket endpoint at /ws, /healthz (200 once the
// subscription is confirmed, 503 before and while it is down) and /stats.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/ws", n.ws)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !n.subscribed.Load() {
			http.Error(w, "not subscribed", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(n.Stats())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, n.name)
	})
	return mux
}

// Stats returns the node's counters now.
func (n *Node) Stats() Stats {
	return Stats{
		Instance:      n.name,
		Subscribed:    n.subscribed.Load(),
		Server:        n.ws.Stats(),
		Published:     n.published.Load(),
		PublishErrors: n.publishErrors.Load(),
		Refused:       n.refused.Load(),
		Received:      n.received.Load(),
		Delivered:     n.delivered.Load(),
		Dropped:       n.dropped.Load(),
	}
}

// Run relays lines until ctx ends: one goroutine publishes the queue, one reads the
// subscription. It returns when both have stopped.
func (n *Node) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { n.publish(ctx) })
	wg.Go(func() { n.subscribe(ctx) })
	wg.Wait()
}

// Shutdown closes every member's connection with 1001 (Going Away).
func (n *Node) Shutdown(ctx context.Context) error { return n.ws.Shutdown(ctx) }

// publish sends the queue to Redis in FIFO order on the client's one connection: the lines
// waiting are taken in one batch and pipelined, and the next batch is written only once the
// previous one's replies have come back, so Redis executes the PUBLISHes in queue order.
func (n *Node) publish(ctx context.Context) {
	batch := make([][]byte, 0, batchMax)
	for {
		select {
		case <-ctx.Done():
			return
		case line := <-n.queue:
			batch = append(batch[:0], line)
		}
		batch = drain(n.queue, batch)
		pipe := n.rdb.Pipeline()
		for _, line := range batch {
			pipe.Publish(ctx, n.channel, line)
		}
		cmds, _ := pipe.Exec(ctx) // each command's error is counted below
		for _, c := range cmds {
			if c.Err() != nil {
				n.publishErrors.Add(1)
			} else {
				n.published.Add(1)
			}
		}
	}
}

// drain appends to batch the lines that wait in q now, up to batchMax in all.
func drain(q <-chan []byte, batch [][]byte) [][]byte {
	for len(batch) < batchMax {
		select {
		case line := <-q:
			batch = append(batch, line)
		default:
			return batch
		}
	}
	return batch
}

// subscribe reads the channel on one subscription, in order, and relays every line. It reads
// with Receive, not go-redis' Channel, which drops a message its reader does not take within
// a timeout, and which hides the confirmations: Receive returns each one, so /healthz says
// ok only while a subscription is confirmed. When the connection fails, go-redis dials again
// and subscribes anew at the next Receive; lines published in between are lost here.
func (n *Node) subscribe(ctx context.Context) {
	ps := n.rdb.Subscribe(ctx, n.channel)
	defer context.AfterFunc(ctx, func() { ps.Close() })() // Receive does not watch ctx
	for ctx.Err() == nil {
		v, err := ps.Receive(ctx)
		if err != nil {
			n.subscribed.Store(false)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond): // Redis is away: do not spin
			}
			continue
		}
		switch v := v.(type) {
		case *redis.Subscription:
			n.subscribed.Store(v.Kind == "subscribe")
		case *redis.Message:
			n.received.Add(1)
			n.relay([]byte(v.Payload))
		}
	}
}

// relay sends line to every member of this instance, encoded (and compressed) once.
func (n *Node) relay(line []byte) {
	p := server.Prepare(frame.OpText, line)
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, pid := range n.members {
		// A member whose mailbox is full misses this line rather than stall the room.
		switch err := pid.Send(p); {
		case err == nil:
			n.delivered.Add(1)
		case errors.Is(err, server.ErrMailboxFull):
			n.dropped.Add(1)
		}
	}
}

// member is one connection's handler.
type member struct{ n *Node }

// WebsocketInit joins the room, then greets the client with the instance's name. The
// greeting is the connection's first frame: lines relayed from now on wait in the mailbox
// until the callback has returned.
func (m *member) WebsocketInit(c *server.Conn) server.Result {
	m.n.mu.Lock()
	m.n.members[m] = c.Self()
	m.n.mu.Unlock()
	return server.Reply(server.Text([]byte("welcome " + m.n.name)))
}

// WebsocketHandle queues a text line for the publisher, as it came: the payload is opaque.
func (m *member) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	if f.Op != frame.OpText {
		return server.OK()
	}
	select {
	case m.n.queue <- bytes.Clone(f.Data): // f.Data is valid only during the call
		return server.OK()
	default:
		m.n.refused.Add(1)
		return server.Reply(server.CloseFrame(frame.CloseTryAgainLater, errQueueFull.Error()))
	}
}

// WebsocketInfo writes a relayed line.
func (m *member) WebsocketInfo(_ *server.Conn, info any) server.Result {
	if p, ok := info.(*server.Prepared); ok {
		return server.Reply(p.Frame())
	}
	return server.OK()
}

// Terminate leaves the room.
func (m *member) Terminate(server.Reason) {
	m.n.mu.Lock()
	delete(m.n.members, m)
	m.n.mu.Unlock()
}
