// Package fsx reads outside input files safely: regular files only, each
// read bounded by a limit that suits the file's kind.
package fsx
