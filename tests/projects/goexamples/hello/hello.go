// hello greets someone; -g changes the greeting, -r reverses it.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"

	"example.org/goexamples/hello/reverse"
)

var (
	greeting = flag.String("g", "Hello", "greet with `greeting`")
	backward = flag.Bool("r", false, "greet in reverse")
)

func usage() {
	fmt.Fprintf(os.Stderr, "usage: hello [options] [name]\n")
	flag.PrintDefaults()
	os.Exit(2)
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("hello: ")
	flag.Usage = usage
	flag.Parse()
	name := "world"
	switch args := flag.Args(); len(args) {
	case 0:
	case 1:
		name = args[0]
	default:
		usage()
	}
	if name == "" {
		log.Fatalf("invalid name %q", name)
	}
	if *backward {
		fmt.Printf("%s, %s!\n", reverse.String(*greeting), reverse.String(name))
		return
	}
	fmt.Printf("%s, %s! (%s)\n", *greeting, name, runtime.GOARCH)
}
