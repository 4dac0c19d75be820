package server

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of Pid.Send.
var (
	ErrMailboxFull = errors.New("server: mailbox full: info dropped")
	ErrNoProcess   = errors.New("server: connection has ended")
)

// Pid is the handle of one connection, Erlang's pid: any goroutine may use it to send the
// connection an info, which its handler receives in WebsocketInfo. A Pid stays valid after
// its connection ends; sends then fail with ErrNoProcess. The zero Pid is not valid.
type Pid struct {
	mb *mailbox
}

// Send delivers info to the connection's WebsocketInfo, in order with the other infos sent
// from the same goroutine. It never blocks: when the mailbox holds Options.MailboxSize infos
// already, the info is dropped and Send returns ErrMailboxFull, so a slow connection cannot
// make its senders wait or grow without bound.
func (p Pid) Send(info any) error {
	if p.mb == nil {
		return ErrNoProcess
	}
	return p.mb.push(info)
}

// SendAfter sends info after d, like erlang:send_after/3 and erlang:start_timer/3: the
// guide's erlang:start_timer(1000, self(), <<"Hello!">>) is
// c.Self().SendAfter(time.Second, "Hello!"). Stop the returned timer to cancel. No goroutine
// waits for the timer: it runs only when the timer fires.
func (p Pid) SendAfter(d time.Duration, info any) *time.Timer {
	return time.AfterFunc(d, func() { p.Send(info) })
}

// mailbox is a connection's bounded queue of infos. Pushing into an empty mailbox wakes the
// connection's goroutine through wake, which must be safe to call from any goroutine.
type mailbox struct {
	mu     sync.Mutex
	q      *infoQueue // made by the first info: a connection that gets none holds none
	closed bool
	n      atomic.Int32 // the infos waiting, read without the lock by the connection's checks
	owner  *Conn
}

// infoQueue holds a mailbox's infos: items[head:] wait.
type infoQueue struct {
	items []any
	head  int
}

func (m *mailbox) push(info any) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrNoProcess
	}
	if int(m.n.Load()) >= m.owner.opts.MailboxSize {
		m.mu.Unlock()
		m.owner.srv.droppedInfos.Add(1)
		return ErrMailboxFull
	}
	if m.q == nil {
		m.q = new(infoQueue)
	}
	wasEmpty := m.n.Load() == 0
	m.q.items = append(m.q.items, info)
	m.n.Add(1)
	m.mu.Unlock()
	// Only the first info needs a wake-up: the connection drains the mailbox after every
	// wake-up, and a wake-up cannot be lost (see goConn.read and loop.wake).
	if wasEmpty {
		m.owner.drv.wake()
	}
	return nil
}

// pop removes and returns the oldest info.
func (m *mailbox) pop() (any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.q
	if q == nil || q.head == len(q.items) {
		return nil, false
	}
	info := q.items[q.head]
	q.items[q.head] = nil
	m.n.Add(-1)
	if q.head++; q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return info, true
}

// len returns the number of infos waiting; it takes no lock, so that a connection with an
// empty mailbox pays one atomic load per turn.
func (m *mailbox) len() int { return int(m.n.Load()) }

func (m *mailbox) empty() bool { return m.len() == 0 }

// close refuses further infos and drops those not yet delivered.
func (m *mailbox) close() {
	m.mu.Lock()
	m.closed = true
	m.q = nil
	m.n.Store(0)
	m.mu.Unlock()
}
