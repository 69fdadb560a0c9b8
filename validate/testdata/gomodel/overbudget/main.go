package main

// main never runs: the module is a reactor (-buildmode=c-shared).
func main() {}
