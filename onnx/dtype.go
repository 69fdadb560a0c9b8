package onnx

import "github.com/pwagen/pwagen/onnx/onnxpb"

// DType is a tensor element type.
type DType uint8

// The element types this package decodes.
const (
	Undefined DType = iota
	Float32
	Float64
	Float16
	BFloat16
	Int8
	Uint8
	Int16
	Uint16
	Int32
	Int64
	Uint32
	Uint64
	Bool
	String
)

var dtypeNames = [...]string{"undefined", "float32", "float64", "float16", "bfloat16", "int8", "uint8",
	"int16", "uint16", "int32", "int64", "uint32", "uint64", "bool", "string"}

// String gives the ONNX name of the type, as "float32".
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return "unknown"
}

// wireSize is the size of one element in raw_data; 0 for strings.
func (d DType) wireSize() int64 {
	switch d {
	case Int8, Uint8, Bool:
		return 1
	case Float16, BFloat16, Int16, Uint16:
		return 2
	case Float32, Int32, Uint32:
		return 4
	case Float64, Int64, Uint64:
		return 8
	}
	return 0
}

// memSize is the size of one element once decoded into Tensor's slices.
func (d DType) memSize() int64 {
	switch d {
	case Float32, Float16, BFloat16:
		return 4
	case Bool:
		return 1
	case String:
		return 24 // a slice header; the bytes are counted by the file size
	}
	return 8
}

var fromProto = map[onnxpb.TensorProto_DataType]DType{
	onnxpb.TensorProto_FLOAT: Float32, onnxpb.TensorProto_DOUBLE: Float64,
	onnxpb.TensorProto_FLOAT16: Float16, onnxpb.TensorProto_BFLOAT16: BFloat16,
	onnxpb.TensorProto_INT8: Int8, onnxpb.TensorProto_UINT8: Uint8,
	onnxpb.TensorProto_INT16: Int16, onnxpb.TensorProto_UINT16: Uint16,
	onnxpb.TensorProto_INT32: Int32, onnxpb.TensorProto_INT64: Int64,
	onnxpb.TensorProto_UINT32: Uint32, onnxpb.TensorProto_UINT64: Uint64,
	onnxpb.TensorProto_BOOL: Bool, onnxpb.TensorProto_STRING: String,
}

// dtypeOf maps an ONNX data_type number; ok is false for types this package does not decode.
func dtypeOf(n int32) (DType, bool) {
	d, ok := fromProto[onnxpb.TensorProto_DataType(n)]
	return d, ok
}

// protoTypeName names an ONNX data_type number for messages.
func protoTypeName(n int32) string {
	if s, ok := onnxpb.TensorProto_DataType_name[n]; ok {
		return s
	}
	switch n {
	case 17, 18, 19, 20:
		return "FLOAT8"
	case 21, 22:
		return "4-bit integer"
	case 23:
		return "FLOAT4E2M1"
	}
	return "unknown"
}
