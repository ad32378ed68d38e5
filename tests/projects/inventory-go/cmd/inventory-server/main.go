// inventory-server answers GET /items with the inventory, and GET /whoami
// with the user it runs as, looked up through the C library's NSS (cgo).
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/user"

	"example.com/inventory/internal/store"
	"example.org/nixbuild/quote"
)

func main() {
	s := store.New(map[string]int{"bolts": 40, "nuts": 2})
	if len(os.Args) > 1 && os.Args[1] == "--once" {
		u, err := user.Current()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("user=%s total=%d quote=%q\n", u.Username, s.Total(), quote.Of(s.Total()))
		return
	}
	http.HandleFunc("/items", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"items": s.Names(), "total": s.Total(), "quote": quote.Of(s.Total())})
	})
	log.Fatal(http.ListenAndServe(os.Getenv("ADDR"), nil))
}
