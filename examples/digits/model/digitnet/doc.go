// Package digitnet is the digit classifier's network: the weights file
// format, the layers and the forward pass, shared by the wasm model, its
// native tests and the trainer (internal/train/digits).
package digitnet
