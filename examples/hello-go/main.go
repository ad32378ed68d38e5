// hello-go: a small HTTP service using only Go's standard library.
//
//	GET /         a greeting naming the platform it runs on
//	GET /healthz  {"status":"ok","version":"…"} for health checks
//
// It listens on $ADDR (default ":8080").
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"
)

// version is set at link time: -ldflags "-X main.version=…".
var version = "dev"

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok", "version": version})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "Hello from nixbuild! %s/%s, uid %d\n", runtime.GOOS, runtime.GOARCH, os.Getuid())
	})
	return mux
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	log.Printf("hello-go %s listening on %s", version, addr)
	log.Fatal(http.ListenAndServe(addr, handler()))
}
