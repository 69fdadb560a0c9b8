// Package quantref reads and writes the reference a quantized import keeps
// (quant/reference.bin): the calibration inputs and the float model's
// answers to them, against which pwagen validate and package check the
// quantized model that ships.
package quantref
