// Command svc serves the handler package over HTTP.
// It deliberately has no tests.
package main

import (
	"flag"
	"log"
	"net/http"

	"example.com/monorepo/svc/internal/handler"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	log.Printf("svc listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, handler.New()))
}
