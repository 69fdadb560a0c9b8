// Command model is the kernels' test perceptron as a pwagen model.
package main

// main is required by the c-shared build mode and is never run.
func main() {}
