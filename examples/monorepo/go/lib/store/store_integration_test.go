//go:build integration

package store

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentWriters exercises the store from many goroutines at once.
// Run with: go test -tags integration ./...
func TestConcurrentWriters(t *testing.T) {
	s := New()
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s.Put(fmt.Sprintf("key %d", i), fmt.Sprint(i))
		}(i)
	}
	wg.Wait()
	if n := len(s.Keys()); n != 50 {
		t.Fatalf("got %d keys, want 50", n)
	}
}
