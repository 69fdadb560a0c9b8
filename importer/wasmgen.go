package importer

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels"
)

// The WebAssembly back end: a plan printed as a WebAssembly module rather
// than as Go. Predict is straight-line code, calls into the kernel module
// (the same primitives the Go back end's kernels call in a wasip1 build)
// with constant addresses from the static memory plan, plus memory.copy
// and two small loops. The module carries no runtime: its size is the
// calls, the signature and the ABI's dozen small functions.

// WasmOutput is what GenerateWasm writes: the module and its weights file.
type WasmOutput struct {
	Module    []byte
	Weights   []byte
	Signature Signature
}

// WasmUnsupported says which node the WebAssembly back end cannot compile.
type WasmUnsupported struct {
	Node   *Node // nil for the model as a whole
	Reason string
}

func (e *WasmUnsupported) Error() string {
	if e.Node == nil {
		return "the wasm back end cannot compile this model: " + e.Reason
	}
	return fmt.Sprintf("the wasm back end cannot compile %s (op %s): %s", e.Node, e.Node.Op, e.Reason)
}

// WasmHeaderSection names the custom section, first in the module, that
// holds Header: `pwagen import` overwrites a model.wasm only when it has it.
const WasmHeaderSection = "pwagen"

// IsGeneratedWasm tells whether b starts a module GenerateWasm wrote.
func IsGeneratedWasm(b []byte) bool {
	head := append([]byte{0, 'a', 's', 'm', 1, 0, 0, 0, 0}, 0)
	if len(b) < len(head)+len(WasmHeaderSection)+len(HeaderPrefix)+2 || string(b[:9]) != string(head[:9]) {
		return false
	}
	i := 9
	for i < len(b) && b[i]&0x80 != 0 { // the section's size
		i++
	}
	if i++; i > len(b) {
		return false
	}
	rest := b[i:]
	return len(rest) > len(WasmHeaderSection) && int(rest[0]) == len(WasmHeaderSection) &&
		string(rest[1:1+len(WasmHeaderSection)]) == WasmHeaderSection &&
		strings.HasPrefix(string(rest[1+len(WasmHeaderSection):]), HeaderPrefix)
}

// The fixed part of the memory map: nothing below dataBase, so that a
// null pointer never lands on model data and the threaded kernels' control
// block (kernels/modules.ControlStart to ControlEnd, 8192-8319) stays free,
// as Go's linker leaves it (TestWasmThreadsLayout).
const dataBase = 12288

// errBufLen bounds a message built at run time: a prefix, two numbers
// and a suffix of a few dozen bytes each.
const errBufLen = 256

// The module's globals, in definition order.
const (
	gLoaded  = iota // 1 after pwagen_load_weights succeeded
	gInN            // the length given to pwagen_alloc_input
	gTypedN         // the length given to pwagen_alloc_inputs
	gErrPtr         // the last error
	gErrLen         //
	gWeightN        // the length given to pwagen_alloc_weights
)

// wgen is one module being generated.
type wgen struct {
	pl          *Plan
	m           wasmbin.Module
	prims       map[string]uint32 // kernel import → function index
	order       []string          // the imports, in first-use order
	data        []byte            // the data segment, from dataBase
	strs        map[string]uint32 // message → address
	arena       uint32            // addresses of the regions
	in          uint32
	weights     uint32
	wOff        map[*Value]uint32
	inOff       map[*Value]uint32
	helpers     map[string]uint32 // generated helper functions
	helperOrder []string
	failIdx     uint32
	errBuf      uint32       // where messages built at run time go
	body        wasmbin.Code // predict's body
	node        *Node
	scaleAt     map[*Value]uint32 // int8 row scales → their decoded float32 buffer
	needTile    bool              // a quantized depthwise convolution widens into tile
	tile        uint32
	needSA      bool   // predict has saLocal, q8act's scale (GemmExQ8Dot, ConvQ8Dot)
	q8BufLen    int    // int32 values of GemmExQ8Dot's activation buffer
	q8Buf       uint32 // its address
}

// GenerateWasm compiles a plan into a WebAssembly module with the ABI of
// docs/design.md and the typed contract of docs/contract.md. It returns an
// *WasmUnsupported naming the first call it cannot compile.
func GenerateWasm(pl *Plan) (*WasmOutput, error) {
	g := pl.Graph
	for _, v := range g.Outputs {
		switch ioType(v) {
		case "float32", "int64", "int32", "uint8", "bool":
		default:
			return nil, &WasmUnsupported{Reason: fmt.Sprintf("output %s is %s, which the typed contract does not carry", v, ioType(v))}
		}
	}
	for _, v := range g.Inputs {
		switch ioType(v) {
		case "float32", "int64", "int32", "uint8", "bool":
		default:
			return nil, &WasmUnsupported{Reason: fmt.Sprintf("input %s is %s, which the typed contract does not carry", v, ioType(v))}
		}
	}
	weights, entries, fp, err := layoutWeights(pl.Weights, pl.quant)
	if err != nil {
		return nil, err
	}
	w := &wgen{pl: pl, prims: map[string]uint32{}, strs: map[string]uint32{}, wOff: map[*Value]uint32{},
		inOff: map[*Value]uint32{}, helpers: map[string]uint32{}, scaleAt: map[*Value]uint32{}}
	// int8 row scales are stored as one-byte codes (kernels.DecodeScales):
	// pwagen_load_weights decodes each into a float32 buffer of its own,
	// which the q8 kernels read.
	var scales []weightEntry
	for _, e := range entries {
		if isScales8(pl.quant[e.Value]) {
			scales = append(scales, e)
			w.declare("scales8")
		}
	}
	// First pass: which primitives and helpers the calls use, so that the
	// imports come before every defined function. The bodies are then
	// generated twice; the first run's output is dropped.
	for _, v := range g.Inputs {
		if t := ioType(v); t != "float32" {
			w.declare("cvt_" + t)
		}
	}
	for _, v := range g.Outputs {
		if t := ioType(v); t != "float32" {
			w.declare("enc_" + t)
		}
	}
	if err := w.calls(); err != nil {
		return nil, err
	}
	for _, e := range entries {
		w.wOff[e.Value] = uint32(e.Offset)
	}
	sig := SignatureOf(g)
	sigJSON, _ := json.Marshal(sig)
	inLen, outLen := 0, 0
	for _, v := range g.Inputs {
		w.inOff[v] = uint32(4 * inLen)
		inLen += v.Len()
	}
	for _, v := range g.Outputs {
		outLen += v.Len()
	}
	inTyped, inBytes := typedLayout(g.Inputs)
	outTyped, outBytes := typedLayout(g.Outputs)

	// The memory map: data, arena, v1 input, typed input, outputs, typed
	// outputs, weights. The data (signature, messages, parameter blocks)
	// does not depend on the other addresses: a dry run with placeholder
	// addresses measures it, the real run fills the addresses in.
	m := &w.m
	m.Custom(WasmHeaderSection, []byte(Header(g.Source)))
	for _, name := range w.order {
		f, _ := kernelFunc(name)
		w.prims[name] = m.ImportFunc("kernels", name, f)
	}
	for _, name := range w.helperOrder {
		w.helpers[name] = w.defineHelper(name)
	}
	i32 := []byte{wasmbin.I32}
	// fail(ptr, len) -> -1 records an error.
	fail := m.Func(wasmbin.FuncType{Params: []byte{wasmbin.I32, wasmbin.I32}, Results: i32}, nil,
		(&wasmbin.Code{}).Get(0).GSet(gErrPtr).Get(1).GSet(gErrLen).I32(-1).B)
	w.failIdx = fail
	errRange := map[*Value]uint32{}
	var sigAt, errWeights, errInput, errTyped, errNotW, errVer, errSize, errFP, errMem, stepsAt uint32
	run := func(arena, in, wbase uint32) error {
		w.data = nil
		w.strs = map[string]uint32{}
		w.body = wasmbin.Code{}
		w.arena, w.in, w.weights = arena, in, wbase
		sigAt = w.bytes(sigJSON)
		w.errBuf = w.bytes(make([]byte, errBufLen))
		errWeights = w.str("model: predict before loadWeights")
		errInput = w.str(fmt.Sprintf("model: the input has another number of values than %d (%s)", inLen, inputDesc(g)))
		errTyped = w.str(fmt.Sprintf("model: the inputs buffer has fewer bytes than %d", inBytes))
		errNotW = w.str("weights/model.bin: not a pwagen weights file (no PWGW header); run pwagen import again")
		errVer = w.str(fmt.Sprintf("weights/model.bin: not weights format version %d; run pwagen import again", binary.LittleEndian.Uint32(weights[4:])))
		errSize = w.str(fmt.Sprintf("weights/model.bin: want %d bytes; the file is damaged or from another import", len(weights)))
		errFP = w.str("weights/model.bin: written by another import of the model (fingerprint differs); run pwagen import again so that model/ and weights/ match")
		errMem = w.str("model: out of memory")
		for _, v := range g.Inputs {
			if t := ioType(v); t != "float32" {
				errRange[v] = w.str(fmt.Sprintf("model: input %q has a value outside ±2^24, the integers this model computes exactly", v.Name))
			}
		}
		return w.calls()
	}
	if err := run(1<<30, 1<<30, 1<<30); err != nil {
		return nil, err
	}
	if len(scales) > 0 {
		stepsAt = w.bytes(scaleStepsBytes())
	}
	dataLen := uint32(len(w.data))
	arena := align64(dataBase + dataLen)
	in := align64(arena + uint32(4*pl.Arena))
	typedIn := in
	if !inTyped {
		typedIn = align64(in + uint32(4*inLen))
	}
	end := align64(typedIn + uint32(max(inBytes, 4*inLen)))
	single := len(g.Outputs) == 1
	var out uint32
	if single {
		o, _ := pl.slot(g.Outputs[0])
		out = arena + uint32(4*o)
	} else {
		out = end
		end = align64(out + uint32(4*outLen))
	}
	typedOut := out
	if !outTyped {
		typedOut = end
		end = align64(typedOut + uint32(outBytes))
	}
	// The decoded int8 scales and the tile a quantized depthwise
	// convolution widens its weights into (kernels.DepthwiseTile).
	for _, e := range scales {
		w.scaleAt[e.Value] = end
		end = align64(end + uint32(4*e.Value.Len()))
	}
	if w.needTile {
		w.tile = end
		end = align64(end + 4*kernels.DepthwiseTile)
	}
	// GemmExQ8Dot's buffer of quantized activations (the Go function's
	// is on its stack).
	if w.q8BufLen > 0 {
		w.q8Buf = end
		end = align64(end + uint32(4*w.q8BufLen))
	}
	wbase := end
	top := uint64(wbase) + uint64(len(weights))
	if top > 1<<32-65536 {
		return nil, &WasmUnsupported{Reason: fmt.Sprintf("it needs %d bytes of memory, over a wasm32 memory's 4 GiB", top)}
	}
	if err := run(arena, in, wbase); err != nil {
		return nil, err
	}
	if len(scales) > 0 {
		stepsAt = w.bytes(scaleStepsBytes())
	}
	if uint32(len(w.data)) != dataLen {
		return nil, fmt.Errorf("wasm back end: data of %d bytes, %d in the dry run (a bug in pwagen)", len(w.data), dataLen)
	}
	predictBody := w.body

	for _, v := range []int32{1, 0, 0, 0, 0, 0} {
		m.GlobalI32(v)
	}
	void := wasmbin.FuncType{}
	retI := wasmbin.FuncType{Results: i32}
	argI := wasmbin.FuncType{Params: i32, Results: i32}
	export := func(name string, idx uint32) { m.Export(name, wasmbin.KindFunc, idx) }
	constFn := func(name string, v uint32) {
		var c wasmbin.Code
		c.I32(int32(v))
		export(name, m.Func(retI, nil, c.B))
	}
	failWith := func(c *wasmbin.Code, at uint32) {
		c.I32(int32(at)).I32(int32(w.strLen(at))).Call(fail).Op(wasmbin.OpReturn)
	}
	// grow(end) -> ok makes the memory at least end bytes.
	var gc wasmbin.Code
	gc.Get(0).MemorySize().I32(16).Op(0x74).Op(wasmbin.OpI32GtU).If().
		Get(0).I32(65535).Op(wasmbin.OpI32Add).I32(16).Op(0x76). // pages needed
		MemorySize().Op(wasmbin.OpI32Sub).MemoryGrow().I32(-1).Op(wasmbin.OpI32Eq).If().I32(0).Op(wasmbin.OpReturn).End().
		End().I32(1)
	grow := m.Func(argI, nil, gc.B)
	// tail(n) -> ptr: a buffer after everything else, for lengths over
	// the static buffers' (predict then refuses them).
	var tc wasmbin.Code
	tc.Get(0).I32(int32(1<<32 - 65536 - uint64(top))).Op(wasmbin.OpI32GtU).If().I32(0).Op(wasmbin.OpReturn).End().
		I32(int32(align64(uint32(top)))).Get(0).Op(wasmbin.OpI32Add).Call(grow).Op(wasmbin.OpI32Eqz).If().I32(0).Op(wasmbin.OpReturn).End().
		I32(int32(align64(uint32(top))))
	tail := m.Func(argI, nil, tc.B)

	m.Memory(uint32((top + 65535) / 65536))
	m.Export("memory", wasmbin.KindMemory, 0)
	export("_initialize", m.Func(void, nil, nil))

	var c wasmbin.Code
	c.Get(0).GSet(gWeightN).Get(0).I32(int32(1<<32 - 65536 - uint64(wbase))).Op(wasmbin.OpI32GtU).If().I32(0).Op(wasmbin.OpReturn).End().
		I32(int32(wbase)).Get(0).Op(wasmbin.OpI32Add).Call(grow).Op(wasmbin.OpI32Eqz).If().I32(int32(errMem)).I32(int32(w.strLen(errMem))).Call(fail).Op(wasmbin.OpDrop).I32(0).Op(wasmbin.OpReturn).End().
		I32(int32(wbase))
	export("pwagen_alloc_weights", m.Func(argI, nil, c.B))

	c = wasmbin.Code{}
	c.I32(0).GSet(gLoaded)
	c.GGet(gWeightN).I32(32).Op(wasmbin.OpI32LtU).If()
	failWith(&c, errNotW)
	c.End()
	c.I32(int32(wbase)).I32Load(0).I32(int32(binary.LittleEndian.Uint32(weights[0:]))).Op(wasmbin.OpI32Ne).If()
	failWith(&c, errNotW)
	c.End()
	c.I32(int32(wbase)).I32Load(4).I32(int32(binary.LittleEndian.Uint32(weights[4:]))).Op(wasmbin.OpI32Ne).If()
	failWith(&c, errVer)
	c.End()
	c.GGet(gWeightN).I32(int32(len(weights))).Op(wasmbin.OpI32Ne)
	c.I32(int32(wbase)).I64Load(16).I64(int64(len(weights))).Op(wasmbin.OpI64Ne).Op(0x72).If() // i32.or
	failWith(&c, errSize)
	c.End()
	c.I32(int32(wbase)).I64Load(24).I64(int64(binary.LittleEndian.Uint64(fp[:]))).Op(wasmbin.OpI64Ne).If()
	failWith(&c, errFP)
	c.End()
	for _, e := range scales {
		c.I32(int32(w.scaleAt[e.Value])).I32(int32(wbase + uint32(e.Offset))).I32(int32(e.Value.Len())).I32(int32(stepsAt)).
			Call(w.helpers["scales8"])
	}
	c.I32(1).GSet(gLoaded).I32(0)
	export("pwagen_load_weights", m.Func(retI, nil, c.B))

	constFn("pwagen_input_len", uint32(inLen))
	c = wasmbin.Code{}
	c.Get(0).GSet(gInN).Get(0).I32(int32(inLen)).Op(wasmbin.OpI32LeU).If().I32(int32(in)).Op(wasmbin.OpReturn).End().Get(0).I32(4).Op(wasmbin.OpI32Mul).Call(tail)
	export("pwagen_alloc_input", m.Func(argI, nil, c.B))

	c = wasmbin.Code{}
	c.GGet(gLoaded).Op(wasmbin.OpI32Eqz).If()
	failWith(&c, errWeights)
	c.End()
	c.GGet(gInN).I32(int32(inLen)).Op(wasmbin.OpI32Ne).If()
	failWith(&c, errInput)
	c.End()
	c.B = append(c.B, predictBody.B...)
	if !single {
		o := out
		for _, v := range g.Outputs {
			s, _ := pl.slot(v)
			c.I32(int32(o)).I32(int32(arena + uint32(4*s))).I32(int32(4 * v.Len())).MemoryCopy()
			o += uint32(4 * v.Len())
		}
	}
	c.I32(int32(outLen))
	predictLocals := []byte{ii} // local 0: gatherF's result
	if w.needSA {
		predictLocals = append(predictLocals, ff) // saLocal
	}
	predict := m.Func(retI, predictLocals, c.B)
	export("pwagen_predict", predict)
	constFn("pwagen_output", out)
	c = wasmbin.Code{}
	c.GGet(gErrPtr)
	export("pwagen_error", m.Func(retI, nil, c.B))
	c = wasmbin.Code{}
	c.GGet(gErrLen)
	export("pwagen_error_len", m.Func(retI, nil, c.B))

	// The typed contract.
	constFn("pwagen_signature", sigAt)
	constFn("pwagen_signature_len", uint32(len(sigJSON)))
	c = wasmbin.Code{}
	c.Get(0).GSet(gTypedN).Get(0).I32(int32(inBytes)).Op(wasmbin.OpI32LeU).If().I32(int32(typedIn)).Op(wasmbin.OpReturn).End().Get(0).Call(tail)
	export("pwagen_alloc_inputs", m.Func(argI, nil, c.B))
	c = wasmbin.Code{}
	c.GGet(gTypedN).I32(int32(inBytes)).Op(wasmbin.OpI32LtU).If()
	failWith(&c, errTyped)
	c.End()
	if !inTyped {
		off := uint32(0)
		for _, v := range g.Inputs {
			t := ioType(v)
			if t == "float32" {
				c.I32(int32(in + w.inOff[v])).I32(int32(typedIn + off)).I32(int32(4 * v.Len())).MemoryCopy()
			} else {
				c.I32(int32(in + w.inOff[v])).I32(int32(typedIn + off)).I32(int32(v.Len())).Call(w.helpers["cvt_"+t]).
					Op(wasmbin.OpI32Eqz).If()
				failWith(&c, errRange[v])
				c.End()
			}
			off = align8(off + uint32(dtypeSize(t)*v.Len()))
		}
	}
	c.I32(int32(inLen)).GSet(gInN)
	c.Call(predict).I32(0).Op(wasmbin.OpI32LtS).If().I32(-1).Op(wasmbin.OpReturn).End()
	if !outTyped {
		off, o := uint32(0), out
		for _, v := range g.Outputs {
			t := ioType(v)
			if t == "float32" {
				c.I32(int32(typedOut + off)).I32(int32(o)).I32(int32(4 * v.Len())).MemoryCopy()
			} else {
				c.I32(int32(typedOut + off)).I32(int32(o)).I32(int32(v.Len())).Call(w.helpers["enc_"+t])
			}
			off = align8(off + uint32(dtypeSize(t)*v.Len()))
			o += uint32(4 * v.Len())
		}
	}
	c.I32(int32(outBytes))
	export("pwagen_predict_typed", m.Func(retI, nil, c.B))
	constFn("pwagen_outputs", typedOut)

	for len(w.data)%8 != 0 {
		w.data = append(w.data, 0)
	}
	m.Data(dataBase, w.data)
	return &WasmOutput{Module: m.Bytes(), Weights: weights, Signature: sig}, nil
}

func ioType(v *Value) string {
	if v.IOType != "" {
		return v.IOType
	}
	return v.DType.String()
}

// typedLayout reports whether the typed buffer of vs (align8 offsets) is
// the float32 values one after the other, and its byte length.
func typedLayout(vs []*Value) (same bool, n int) {
	same = true
	off := 0
	for i, v := range vs {
		t := ioType(v)
		if t != "float32" || (i < len(vs)-1 && (4*v.Len())%8 != 0) {
			same = false
		}
		off = (off + dtypeSize(t)*v.Len() + 7) / 8 * 8
	}
	return same, max(off, 8)
}

func align64(n uint32) uint32 { return (n + 63) &^ 63 }
func align8(n uint32) uint32  { return (n + 7) &^ 7 }

func kernelFunc(name string) (wasmbin.FuncType, bool) {
	for _, f := range kernelFuncs {
		if f.name == name {
			return f.t, true
		}
	}
	return wasmbin.FuncType{}, false
}

var (
	ii = wasmbin.I32
	ff = wasmbin.F32
)

// kernelFuncs are the primitives the back end calls, with the signatures
// of kernels/modules (TestKernelFuncsMatchModules checks them).
var kernelFuncs = []struct {
	name string
	t    wasmbin.FuncType
}{
	{"gemv", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii}}},
	{"gemm", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii}}},
	{"add", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii}}},
	{"mul", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii}}},
	{"im2col_conv", wasmbin.FuncType{Params: []byte{ii, ii, ii}}},
	{"dwconv", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii}}},
	{"pool", wasmbin.FuncType{Params: []byte{ii, ii, ii}}},
	{"act", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ff, ff}}},
	{"q8gemv", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii}}},
	{"q8gemm", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii, ii}}},
	{"f16gemv", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii}}},
	{"f16gemm", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii}}},
	{"layernorm", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ff}}},
	{"softmax_rows", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii}}},
	{"gelu", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii}}},
	{"bmm", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii, ii, ii}}},
	{"q8act", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii}, Results: []byte{ff}}},
	{"q8dotgemv", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ff, ii, ii, ii}}},
	{"q8dotgemm", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ff, ii, ii, ii, ii}}},
	{"q8dwact", wasmbin.FuncType{Params: []byte{ii, ii, ii}, Results: []byte{ff}}},
	{"q8dwconv", wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ff, ii, ii}}},
}

// str places a message in the data and returns its address.
func (w *wgen) str(s string) uint32 {
	if at, ok := w.strs[s]; ok {
		return at
	}
	at := w.bytes([]byte(s))
	w.strs[s] = at
	return at
}

func (w *wgen) strLen(at uint32) int {
	for s, a := range w.strs {
		if a == at {
			return len(s)
		}
	}
	return 0
}

// bytes places b in the data, 8-byte aligned, and returns its address.
func (w *wgen) bytes(b []byte) uint32 {
	for len(w.data)%8 != 0 {
		w.data = append(w.data, 0)
	}
	at := dataBase + uint32(len(w.data))
	w.data = append(w.data, b...)
	return at
}

// geom places a primitive's parameter block in the data.
func (w *wgen) geom(g kernels.PrimGeom) uint32 {
	b := make([]byte, 4*len(g))
	for i, v := range g {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return w.bytes(b)
}

// addr is where a tensor's storage starts.
func (w *wgen) addr(v *Value) uint32 {
	r := v.root()
	if at, ok := w.scaleAt[r]; ok {
		return at
	}
	switch {
	case r.Const != nil:
		return w.weights + w.wOff[r]
	case r.Input:
		return w.in + w.inOff[r]
	}
	s, _ := w.pl.slot(r)
	return w.arena + uint32(4*s)
}

// prim emits a call of a kernel primitive; args are i32 addresses and
// counts, or float32.
func (w *wgen) prim(name string, args ...any) {
	idx, ok := w.prims[name]
	if !ok {
		w.order = append(w.order, name)
		w.prims[name] = uint32(len(w.order) - 1)
	}
	for _, a := range args {
		switch a := a.(type) {
		case float32:
			w.body.F32(a)
		case int:
			w.body.I32(int32(a))
		case uint32:
			w.body.I32(int32(a))
		case local:
			w.body.Get(uint32(a))
		case memF32:
			w.body.I32(int32(a)).F32Load(0)
		}
	}
	w.body.Call(idx)
}

func (w *wgen) unsupported(format string, args ...any) error {
	return &WasmUnsupported{Node: w.node, Reason: fmt.Sprintf(format, args...)}
}
