// whoami: prints the current user (os/user, through the C library with cgo)
// and checks that an HTTP server on loopback answers (net, cgo resolver).
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/user"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Println("user error:", err)
		os.Exit(1)
	}
	fmt.Printf("user=%s uid=%s\n", u.Username, u.Uid)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen error:", err)
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		fmt.Println("get error:", err)
		os.Exit(1)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("http=%s\n", body)
}
