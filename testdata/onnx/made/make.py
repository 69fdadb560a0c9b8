# Small hand-made ONNX models for the CLI's error tests: run with Debian's
# python3-onnx (/usr/bin/python3 make.py); the outputs are committed.
import onnx
from onnx import helper, TensorProto

def save(name, nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="pwagen-testdata")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, name + ".onnx")

# Two unsupported operators (LSTM twice, NonMaxSuppression once) after a Relu.
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 1, 8])
w = helper.make_tensor("W", TensorProto.FLOAT, [1, 32, 8], [0.0] * 256)
r = helper.make_tensor("R", TensorProto.FLOAT, [1, 32, 8], [0.0] * 256)
save("unsupported", [
    helper.make_node("Relu", ["x"], ["a"], name="relu"),
    helper.make_node("LSTM", ["a", "W", "R"], ["b"], name="lstm_1", hidden_size=8),
    helper.make_node("LSTM", ["a", "W", "R"], ["c"], name="lstm_2", hidden_size=8),
    helper.make_node("Add", ["b", "c"], ["y"], name="add"),
], [x], [y], [w, r])

# A symbolic image input: batch and spatial sizes are named.
xi = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, "height", "width"])
yi = helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", 3, 1, 1])
save("symbolic", [
    helper.make_node("Relu", ["image"], ["r"], name="relu"),
    helper.make_node("GlobalAveragePool", ["r"], ["out"], name="pool"),
], [xi], [yi])

# Four numbers in, three scores out: y = softmax(W x + b).
xn = helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, 4])
yn = helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 3])
W = helper.make_tensor("W", TensorProto.FLOAT, [3, 4], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])
B = helper.make_tensor("B", TensorProto.FLOAT, [3], [0.5, 0, -0.5])
save("tiny", [
    helper.make_node("Gemm", ["features", "W", "B"], ["z"], name="dense", transB=1),
    helper.make_node("Softmax", ["z"], ["scores"], name="softmax", axis=1),
], [xn], [yn], [W, B])

# Token ids in: an embedding lookup (Gather at run time) and a mean.
xi = helper.make_tensor_value_info("ids", TensorProto.INT64, [1, 4])
yi = helper.make_tensor_value_info("vec", TensorProto.FLOAT, [1, 3])
E = helper.make_tensor("E", TensorProto.FLOAT, [10, 3], [float(i) for i in range(30)])
save("ids", [
    helper.make_node("Gather", ["E", "ids"], ["emb"], name="embed", axis=0),
    helper.make_node("ReduceMean", ["emb"], ["vec"], name="mean", axes=[1], keepdims=0),
], [xi], [yi], [E], opset=13)

# A node the WebAssembly back end has no lowering for (Sin: Go's math.Sin
# is not ported), so the default back end falls back to Go.
xs = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
ys = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
save("sine", [helper.make_node("Sin", ["x"], ["y"], name="wave")], [xs], [ys])
