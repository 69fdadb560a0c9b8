// Package edge is the program of an edge executable (pwagen package
// --edge): the packaged model, its kernels and weights run under wazero
// behind a command line (predict, serve, info) and an HTTP API.
package edge
