package main

import "sync"

// syncPool adapts sync.Pool to gorilla's BufferPool, as gorilla's docs suggest for many
// mostly idle connections.
type syncPool struct{ p sync.Pool }

func (s *syncPool) Get() any  { return s.p.Get() }
func (s *syncPool) Put(v any) { s.p.Put(v) }
