package server

import (
	"container/heap"
	"time"
)

// loopTimers are an event loop's deadlines: one runtime timer per loop, set to the earliest
// deadline of a min-heap of its connections, instead of a timer per connection. A
// connection's entry only ever moves earlier; one that fires early finds nothing due and is
// armed again, so a busy connection touches the heap about once per idle timeout.
type loopTimers struct {
	heap  timerHeap
	timer *time.Timer
	at    instant // when timer fires; 0: stopped
}

type timerHeap []*loopConn

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].timerAt < h[j].timerAt }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].slot, h[j].slot = int32(i), int32(j)
}
func (h *timerHeap) Push(x any) {
	lc := x.(*loopConn)
	lc.slot = int32(len(*h))
	*h = append(*h, lc)
}
func (h *timerHeap) Pop() any {
	old := *h
	lc := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	lc.slot = -1
	return lc
}

// arm makes sure lc is looked at no later than its process's deadline, or the end of its
// sitting out.
func (lp *loop) arm(lc *loopConn) {
	dl := lc.Conn.due()
	if lc.resumeAt != 0 && (dl == 0 || lc.resumeAt < dl) {
		dl = lc.resumeAt
	}
	if dl == 0 || lc.slot >= 0 && dl >= lc.timerAt {
		return
	}
	lc.timerAt = dl
	if lc.slot >= 0 {
		heap.Fix(&lp.timers.heap, int(lc.slot))
	} else {
		heap.Push(&lp.timers.heap, lc)
	}
}

// disarm removes lc's entry.
func (lp *loop) disarm(lc *loopConn) {
	if lc.slot >= 0 {
		heap.Remove(&lp.timers.heap, int(lc.slot))
	}
}

// expire queues a turn for every connection whose deadline has come.
func (lp *loop) expire(now instant) {
	lp.timers.at = 0
	for h := &lp.timers.heap; len(*h) > 0 && (*h)[0].timerAt <= now; {
		lc := heap.Pop(h).(*loopConn)
		lc.fired = true
		lp.running = append(lp.running, lc)
	}
}

// setTimer points the loop's timer at the earliest deadline, before the loop waits.
func (lp *loop) setTimer() {
	t := &lp.timers
	if len(t.heap) == 0 || t.at != 0 && t.at <= t.heap[0].timerAt {
		return
	}
	t.at = t.heap[0].timerAt
	d := max(time.Until(t.at.time()), 0)
	if t.timer == nil {
		t.timer = time.AfterFunc(d, lp.timerFired)
	} else {
		t.timer.Reset(d)
	}
}

func (lp *loop) timerFired() {
	lp.expired.Store(true)
	lp.pl.Notify()
}
