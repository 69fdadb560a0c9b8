// Command pwagen packages a Go WebAssembly model as an offline-first PWA.
package main

func main() {}
