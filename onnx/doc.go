// Package onnx reads ONNX models into a neutral, validated graph that hides protobuf.
//
// Every read is bounded by Limits, and every error names what is wrong, where
// (graph, node, tensor) and what to do. The graph is checked but not reordered:
// each node input names a graph input, an initializer, a node output or a value
// of an enclosing graph; names are defined once; and there is no cycle.
package onnx
