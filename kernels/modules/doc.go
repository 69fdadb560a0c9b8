// Package modules holds pwagen's kernel modules (the WebAssembly that
// package kernels imports in wasip1 builds) and links them beside a model
// under wazero, as the browser loader does.
package modules
