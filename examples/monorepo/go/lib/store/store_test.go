package store

import (
	"reflect"
	"testing"
)

func TestPutGet(t *testing.T) {
	s := New()
	if k := s.Put("My Key", "v1"); k != "my-key" {
		t.Fatalf("Put returned key %q, want %q", k, "my-key")
	}
	v, ok := s.Get("my key")
	if !ok || v != "v1" {
		t.Fatalf("Get = %q, %v; want %q, true", v, ok, "v1")
	}
	if _, ok := s.Get("missing"); ok {
		t.Fatal("Get(missing) reported ok")
	}
}

func TestKeysSorted(t *testing.T) {
	s := New()
	s.Put("b", "2")
	s.Put("a", "1")
	if got, want := s.Keys(), []string{"a", "b"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}
}
