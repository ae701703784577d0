package handler

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	New().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestSlug(t *testing.T) {
	rec := get(t, "/slug?q=Hello+World")
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	if got := strings.TrimSpace(rec.Body.String()); got != `{"slug":"hello-world"}` {
		t.Fatalf("body = %s", got)
	}
}

func TestSumClamps(t *testing.T) {
	rec := get(t, "/sum?n=1&n=2&n=5000")
	if got := strings.TrimSpace(rec.Body.String()); got != `{"sum":1003}` {
		t.Fatalf("body = %s", got)
	}
}

func TestSumRejectsGarbage(t *testing.T) {
	if rec := get(t, "/sum?n=x"); rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", rec.Code)
	}
}
