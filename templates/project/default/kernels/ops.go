package kernels

// The operators of imported ONNX models. `pwagen import` compiles a graph
// into straight-line Go that calls these functions with shapes fixed at
// import time; the importer also calls them itself to fold constants and, in
// tests, to run a graph without compiling it. Every function checks its
// slice lengths against its parameters first and panics with a *ShapeError
// before writing anything. Tensors are dense, row-major (C order) float32.
//
// Spatial parameters (In, Out, Kernel, Stride, Dilation, Pad, PadEnd) have one
// entry per spatial dimension: 1 for 1-D (…×W), 2 for 2-D (…×H×W).

// ActOp names an element-wise function.
type ActOp uint8

// The element-wise functions. Alpha and Beta are the ONNX attributes of the
// same names; the comment gives the formula.
const (
	ActNone        ActOp = iota // x
	ActRelu                     // max(x, 0)
	ActLeakyRelu                // x < 0 ? Alpha·x : x
	ActElu                      // x < 0 ? Alpha·(exp(x)-1) : x
	ActSigmoid                  // 1/(1+exp(-x))
	ActHardSigmoid              // max(0, min(1, Alpha·x+Beta))
	ActHardSwish                // x·max(0, min(1, x/6+1/2))
	ActTanh                     // tanh(x)
	ActClip                     // min(max(x, Alpha), Beta)
	ActExp                      // exp(x)
	ActLog                      // log(x)
	ActSqrt                     // sqrt(x)
	ActNeg                      // -x
	ActAbs                      // |x|
	ActReciprocal               // 1/x
	ActErf                      // erf(x)
	ActGelu                     // x/2·(1+erf(x/√2))
	ActGeluTanh                 // x/2·(1+tanh(√(2/π)·(x+0.044715·x³)))
	ActSoftplus                 // log(1+exp(x))
	ActFloor                    // floor(x)
	ActCeil                     // ceil(x)
	ActSin                      // sin(x)
	ActCos                      // cos(x)
	ActSelu                     // x > 0 ? Beta·x : Beta·Alpha·(exp(x)-1)  (Beta = gamma)
	ActSign                     // -1, 0 or 1
	ActRound                    // round half to even
	ActScale                    // Alpha·x + Beta
)

// Act is an element-wise function with its attributes.
type Act struct {
	Op          ActOp
	Alpha, Beta float32
}

// BinOp names an element-wise function of two tensors.
type BinOp uint8

// The binary functions, broadcast numpy-style.
const (
	BinAdd   BinOp = iota // a + b
	BinSub                // a - b
	BinMul                // a · b
	BinDiv                // a / b
	BinMax                // max(a, b)
	BinMin                // min(a, b)
	BinPow                // a ** b
	BinPRelu              // a < 0 ? a·b : a
)

// ConvParams describes a convolution over N images of InC channels. The
// weights are OutC × InC/Group × Kernel…, the bias OutC values or nil.
// Pad is the padding before each spatial dimension; the padding after it is
// whatever makes Out come out, so it is not given. Act runs on the result,
// after the bias (ActNone: none).
type ConvParams struct {
	N, InC, OutC, Group               int
	In, Out, Kernel, Stride, Dilation []int
	Pad                               []int
	Act                               Act
}

// PoolParams describes a pooling window over N×C planes. Pad and PadEnd are
// the padding before and after each spatial dimension; with ceil_mode a
// window may reach past PadEnd, and those positions never count.
type PoolParams struct {
	N, C                              int
	In, Out, Kernel, Stride, Dilation []int
	Pad, PadEnd                       []int
	CountIncludePad                   bool
}

// GemmParams is ONNX Gemm: Y = Alpha·A'·B' + Beta·C, where A' is A (M×K) or,
// with TransA, the transpose of A (K×M), and likewise B' for B (K×N, or N×K
// with TransB). C is nil or CRows×CCols with CRows ∈ {1, M} and CCols ∈
// {1, N}, broadcast to M×N. Act runs on Y.
type GemmParams struct {
	M, N, K        int
	TransA, TransB bool
	Alpha, Beta    float32
	CRows, CCols   int
	Act            Act
}

// MatMulParams is numpy matmul of A (batch…×M×K) and B (batch…×K×N). Batch
// gives the output's batch dimensions; ABatch and BBatch have the same
// length, with 1 where A or B is broadcast.
type MatMulParams struct {
	M, K, N               int
	Batch, ABatch, BBatch []int
}

// ReduceOp names a reduction.
type ReduceOp uint8

// The reductions.
const (
	ReduceSum ReduceOp = iota
	ReduceMean
	ReduceMax
	ReduceMin
	ReduceProd
	ReduceL1
	ReduceL2
	ReduceSumSquare
	ReduceLogSum
	ReduceLogSumExp
)

// PadMode is how Pad fills.
type PadMode uint8

// The padding modes of ONNX Pad.
const (
	PadConstant PadMode = iota
	PadReflect
	PadEdge
)
