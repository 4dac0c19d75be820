package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBounded(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		f       func(context.Context) (int, error)
		want    int
		wantErr error
	}{
		{
			name: "a result in time is returned",
			f:    func(context.Context) (int, error) { return 7, nil },
			want: 7,
		},
		{
			name:    "an error in time is returned",
			f:       func(context.Context) (int, error) { return 0, errBoom },
			wantErr: errBoom,
		},
		{
			name: "a call that watches its context ends with it",
			f: func(ctx context.Context) (int, error) {
				<-ctx.Done()
				return 0, ctx.Err()
			},
			wantErr: errTimedOut,
		},
		{
			name: "a call that ignores its context is abandoned",
			f: func(context.Context) (int, error) {
				time.Sleep(time.Second)
				return 1, nil
			},
			wantErr: errTimedOut,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			got, err := bounded(context.Background(), 50*time.Millisecond, tt.f)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("got %d, %v; want %d, %v", got, err, tt.want, tt.wantErr)
			}
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Errorf("took %v, want about the 50ms bound at most", d)
			}
		})
	}
}
