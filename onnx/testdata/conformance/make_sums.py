# Writes sums.txt: for each ONNX conformance test folder, the SHA-256 of its
# tensor files' values as onnx.numpy_helper decodes them, so that package
# onnx's decoding is checked against ONNX's own reader.
# Run: /usr/bin/python3 make_sums.py (Debian python3-onnx, libonnx-testdata).
import glob, hashlib, os
import numpy as np
import onnx
from onnx import numpy_helper, TensorProto

ROOT = "/usr/share/libonnx-testdata/data"
NAMES = {TensorProto.FLOAT: "float32", TensorProto.DOUBLE: "float64", TensorProto.FLOAT16: "float16",
         TensorProto.BFLOAT16: "bfloat16", TensorProto.INT8: "int8", TensorProto.UINT8: "uint8",
         TensorProto.INT16: "int16", TensorProto.UINT16: "uint16", TensorProto.INT32: "int32",
         TensorProto.INT64: "int64", TensorProto.UINT32: "uint32", TensorProto.UINT64: "uint64",
         TensorProto.BOOL: "bool", TensorProto.STRING: "string"}

def canon(t):
    name = NAMES[t.data_type]
    head = ("%s %s;" % (name, "x".join(str(d) for d in t.dims))).encode()
    if name == "string":
        return head + b"".join(s + b"\0" for s in t.string_data)
    a = numpy_helper.to_array(t)  # bfloat16 comes widened to float32
    if name in ("float16", "float32", "bfloat16"):
        return head + a.astype("<f4").tobytes()
    if name == "float64":
        return head + a.astype("<f8").tobytes()
    if name == "bool":
        return head + a.astype("u1").tobytes()
    return head + a.astype("<i8").tobytes()

out = []
for model in sorted(glob.glob(os.path.join(ROOT, "*", "*", "model.onnx"))):
    m = onnx.load(model)
    kinds = {}
    for i, v in enumerate(m.graph.input):
        kinds["input_%d.pb" % i] = v.type.WhichOneof("value")
    for i, v in enumerate(m.graph.output):
        kinds["output_%d.pb" % i] = v.type.WhichOneof("value")
    h = hashlib.sha256()
    n = 0
    folder = os.path.dirname(model)
    for pb in sorted(glob.glob(os.path.join(folder, "test_data_set_*", "*.pb"))):
        if kinds.get(os.path.basename(pb)) not in (None, "tensor_type"):
            continue
        t = TensorProto()
        with open(pb, "rb") as f:
            t.ParseFromString(f.read())
        h.update(canon(t))
        n += 1
    if n:
        out.append("%s %d %s\n" % (os.path.relpath(folder, ROOT), n, h.hexdigest()[:16]))
with open("sums.txt", "w") as f:
    f.writelines(out)
