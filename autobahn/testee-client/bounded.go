package main

import (
	"context"
	"fmt"
	"time"
)

// bounded runs f with a context that ends after d and returns f's result. Once d has
// passed it returns an error wrapping errTimedOut: at once if f has not returned, and in
// place of f's own error if f failed because its context ended (a dial cut short).
//
// The context bounds the dial; the blocking reads of a client.Conn do not watch it, so a
// connection that hangs is abandoned to its goroutine (it ends when the server drops it, or
// with the process) rather than waited for: a hung case must not hang the run.
func bounded[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned f still finishes its send
	go func() {
		v, err := f(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && ctx.Err() != nil {
			return r.v, fmt.Errorf("%w after %v: %w", errTimedOut, d, r.err)
		}
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("%w after %v", errTimedOut, d)
	}
}
