//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws"
	"github.com/bronco-ws/bronco/ws/frame"
)

// Honest load: what an attack costs shows in the service everyone else gets, so every row
// runs ten well-behaved clients beside the attacker, each echoing a 64-byte message and
// waiting for it before the next: a request/response loop whose round trip is the latency a
// user would see. They use bronco's client, the way an application would.
const (
	honestConns = 10
	honestSize  = 64
	// honestTimeout bounds one round trip: a server that stalls a client this long has not
	// held, and the client's goroutine must not hang the suite.
	honestTimeout = 5 * time.Second
)

// honest is the running honest load.
type honest struct {
	conns []*client.Conn
	stopc chan struct{}
	wg    sync.WaitGroup

	mu     sync.Mutex
	since  time.Time
	lat    []time.Duration
	errs   []string
	closes map[int]int // close codes the server sent the honest clients
}

// honestStats is the honest load's service during a window.
type honestStats struct {
	msgs   int
	rate   float64 // round trips per second
	p99    time.Duration
	max    time.Duration
	errs   []string
	closes map[int]int
}

// startHonest opens the honest connections and starts their loops. The ?idle=60s target
// keeps the child's short idle timeout off them should an attack stall them.
func startHonest(addr string) (*honest, error) {
	h := &honest{stopc: make(chan struct{}), since: time.Now(), closes: map[int]int{}}
	for range honestConns {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, _, err := client.Dial(ctx, "ws://"+addr+"/?idle=60s", ws.Config{})
		cancel()
		if err != nil {
			h.stop()
			return nil, fmt.Errorf("honest client: %w", err)
		}
		c.CloseTimeout = 2 * time.Second
		h.conns = append(h.conns, c)
	}
	for _, c := range h.conns {
		h.wg.Add(1)
		go h.loop(c)
	}
	return h, nil
}

// loop is one honest client: echo, measure, repeat until stopped or failed.
func (h *honest) loop(c *client.Conn) {
	defer h.wg.Done()
	msg := make([]byte, honestSize)
	for i := range msg {
		msg[i] = byte('a' + i%26)
	}
	for {
		select {
		case <-h.stopc:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), honestTimeout)
		start := time.Now()
		err := c.Write(ctx, frame.OpBinary, msg)
		if err == nil {
			var data []byte
			_, data, err = c.Read(ctx)
			if err == nil && len(data) != honestSize {
				err = fmt.Errorf("echo of %d bytes, want %d", len(data), honestSize)
			}
		}
		cancel()
		d := time.Since(start)
		h.mu.Lock()
		if err != nil {
			var ce *client.CloseError
			if errors.As(err, &ce) {
				h.closes[int(ce.Code)]++
			}
			h.errs = append(h.errs, err.Error())
			h.mu.Unlock()
			return
		}
		h.lat = append(h.lat, d)
		h.mu.Unlock()
	}
}

// reset starts a new measuring window: the attack's.
func (h *honest) reset() {
	h.mu.Lock()
	h.since = time.Now()
	h.lat = h.lat[:0]
	h.mu.Unlock()
}

// snapshot returns the service since the last reset.
func (h *honest) snapshot() honestStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := honestStats{msgs: len(h.lat), errs: slices.Clone(h.errs), closes: map[int]int{}}
	for k, v := range h.closes {
		s.closes[k] = v
	}
	if el := time.Since(h.since); el > 0 {
		s.rate = float64(len(h.lat)) / el.Seconds()
	}
	if len(h.lat) > 0 {
		sorted := slices.Clone(h.lat)
		slices.Sort(sorted)
		s.p99 = sorted[(len(sorted)-1)*99/100]
		s.max = sorted[len(sorted)-1]
	}
	return s
}

// stop ends the loops and closes the connections politely.
func (h *honest) stop() {
	select {
	case <-h.stopc:
		return
	default:
	}
	close(h.stopc)
	h.wg.Wait()
	var wg sync.WaitGroup
	for _, c := range h.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Close(frame.CloseNormal, "")
		}()
	}
	wg.Wait()
}
