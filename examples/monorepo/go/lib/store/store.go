// Package store is a tiny in-memory key/value store keyed by slugs.
package store

import (
	"sort"
	"sync"

	"example.com/monorepo/lib/strutil"
)

// Store maps slugged keys to values. The zero value is not usable; use New.
type Store struct {
	mu   sync.RWMutex
	data map[string]string
}

// New returns an empty Store.
func New() *Store {
	return &Store{data: make(map[string]string)}
}

// Put stores value under the slug of key and returns that slug.
func (s *Store) Put(key, value string) string {
	k := strutil.Slug(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[k] = value
	return k
}

// Get returns the value stored under the slug of key.
func (s *Store) Get(key string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.data[strutil.Slug(key)]
	return v, ok
}

// Keys returns all stored keys in sorted order.
func (s *Store) Keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.data))
	for k := range s.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
