// Package handler implements the HTTP handlers of the svc service.
package handler

import (
	"encoding/json"
	"net/http"
	"strconv"

	"example.com/monorepo/lib/mathx"
	"example.com/monorepo/lib/strutil"
)

// New returns the service's HTTP handler.
func New() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slug", slug)
	mux.HandleFunc("GET /sum", sum)
	return mux
}

func slug(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"slug": strutil.Slug(r.URL.Query().Get("q"))})
}

func sum(w http.ResponseWriter, r *http.Request) {
	var values []int
	for _, raw := range r.URL.Query()["n"] {
		n, err := strconv.Atoi(raw)
		if err != nil {
			http.Error(w, "n must be an integer", http.StatusBadRequest)
			return
		}
		values = append(values, mathx.Clamp(n, -1000, 1000))
	}
	writeJSON(w, map[string]int{"sum": mathx.Sum(values...)})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
