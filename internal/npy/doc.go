// Package npy reads and writes NumPy .npy arrays and reads nested JSON arrays,
// the input files of `pwagen predict`.
package npy
