// Command model is examples/digits on the kernels as a pwagen model.
package main

// main is required by the c-shared build mode and is never run.
func main() {}
