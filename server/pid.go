package server

import (
	"errors"
	"sync"
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
	q      []any
	limit  int
	closed bool
	wake   func()
}

func (m *mailbox) push(info any) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrNoProcess
	}
	if len(m.q) >= m.limit {
		m.mu.Unlock()
		return ErrMailboxFull
	}
	wasEmpty := len(m.q) == 0
	m.q = append(m.q, info)
	m.mu.Unlock()
	// Only the first info needs a wake-up: the connection drains the whole mailbox after
	// every wake-up, and a wake-up cannot be lost (see Conn.readSocket).
	if wasEmpty {
		m.wake()
	}
	return nil
}

// take moves the queued infos into spare (reused between calls) and returns them.
func (m *mailbox) take(spare []any) []any {
	m.mu.Lock()
	q := m.q
	m.q = spare[:0]
	m.mu.Unlock()
	return q
}

func (m *mailbox) empty() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.q) == 0
}

// close refuses further infos and drops those not yet delivered.
func (m *mailbox) close() {
	m.mu.Lock()
	m.closed = true
	m.q = nil
	m.mu.Unlock()
}
