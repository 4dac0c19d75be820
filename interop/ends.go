package interop

import (
	"context"
	"sync"
)

// ends collects connection ends reported by a server's goroutines, for a test that waits for
// one by its key.
type ends[K comparable, V any] struct {
	mu      sync.Mutex
	byKey   map[K]V
	changed chan struct{} // closed and replaced at each new end
}

func newEnds[K comparable, V any]() *ends[K, V] {
	return &ends[K, V]{byKey: map[K]V{}, changed: make(chan struct{})}
}

func (e *ends[K, V]) add(k K, v V) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.byKey[k] = v
	close(e.changed)
	e.changed = make(chan struct{})
}

// wait returns the end of k once it has been reported, or ctx's error.
func (e *ends[K, V]) wait(ctx context.Context, k K) (V, error) {
	for {
		e.mu.Lock()
		v, ok := e.byKey[k]
		changed := e.changed
		e.mu.Unlock()
		if ok {
			return v, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return v, ctx.Err()
		}
	}
}
