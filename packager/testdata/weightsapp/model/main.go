package main

// main never runs: the WebAssembly build is a reactor.
func main() {}
