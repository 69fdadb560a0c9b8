//go:build wasip1

package main

// main is required by Go but never runs: the WebAssembly build is a reactor
// (-buildmode=c-shared), and the loader calls the exports in pwagen_abi.go.
// The native command line is in main.go.
func main() {}
