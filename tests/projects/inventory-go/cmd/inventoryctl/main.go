// inventoryctl is the command-line client (not part of the server's image).
package main

import "fmt"

func main() { fmt.Println("inventoryctl: nothing to do") }
