# Makes model.onnx with its weights in model.data through onnx's own
# external-data writer. Run: /usr/bin/python3 make.py (Debian python3-onnx 1.12).
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4) / 8, "w")
b = numpy_helper.from_array(np.array([1, -1, 0.5], dtype=np.float32), "b")
g = helper.make_graph(
    [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="gemm", transB=1)],
    "external",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
    [w, b],
)
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="make.py")
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save_model(m, "model.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                 location="model.data", size_threshold=0)
