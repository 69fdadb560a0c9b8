// Package tensorio reads a model's inputs (.npy or JSON files, request
// bodies), checks them against its signature, runs it and returns its
// outputs: the one code behind pwagen predict and the edge executable.
package tensorio
