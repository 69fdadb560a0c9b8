#!/usr/bin/python3
"""Export the torch fixtures of pwagen's ONNX importer, check them, and
write README.md.

Run from anywhere with Debian's python3-torch and python3-onnx:

    /usr/bin/python3 testdata/onnx/torch/export.py

For each model and opset 13 and 17 it writes NAME-opsetN.onnx, the inputs
(NAME.input.npy, and NAME.<input name>.npy for a second input) and torch's
outputs (NAME-opsetN.output.npy, and NAME-opsetN.<output name>.npy for a
second output). The outputs are computed once by torch, in eval mode, and are
the same for both opsets. Then it runs every .onnx with onnxruntime-node
(bench/node/ort, installed with `npm ci --ignore-scripts`; skipped with
--no-ort) and fails if any output differs from torch's by more than 1e-5.
Last it writes ops.txt, manifest.json and README.md with the operators of
each file, the max abs differences and the sha256 of every file.

Nothing here is random at run time: every weight and input comes from a
seeded generator, so two runs write byte-identical files.
"""

import argparse
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import traceback

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
ORT_DIR = os.path.join(ROOT, "bench", "node", "ort")
OPSETS = (13, 17)
TOLERANCE = 1e-5


# ---------------------------------------------------------------- helpers


def seeded(seed):
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def nontrivial_bn(model, seed):
    """Give every BatchNorm running statistics and an affine part that a
    trained network could have, so that folding it is not an identity."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.3)
                m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.25)
                m.weight.copy_(torch.rand(n, generator=g) * 1.0 + 0.5)
                m.bias.copy_(torch.randn(n, generator=g) * 0.2)
    return model


def he_scale(model):
    """Rescale torch's default init (variance 1/(3 fan_in)) to He's
    (2/fan_in), the scale of a trained ReLU net, so that outputs are not
    near-uniform."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
                m.weight.mul_(6**0.5)
    return model


# ----------------------------------------------------------------- models


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
            nn.Softmax(dim=1),
        )

    def forward(self, x):
        return self.net(x)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2),  # 28x28
            nn.MaxPool2d(2),  # 14x14
            nn.ReLU(),
            nn.Conv2d(6, 16, 5),  # 10x10
            nn.MaxPool2d(2),  # 5x5
            nn.ReLU(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class LeNetView(LeNet):
    """LeNet flattened the way much user code does, x.view(x.size(0), -1):
    with a dynamic batch axis this exports as Shape, Gather, Unsqueeze, Concat
    and Reshape on the batch size."""

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.classifier[1:](x)


class CifarCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 16x16
            nn.Conv2d(16, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),  # 8x8
            nn.Conv2d(32, 64, 3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
    layers = [
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.residual = stride == 1 and cin == cout
        layers = []
        if expand != 1:
            layers.append(conv_bn(cin, hidden, 1))
        layers += [
            conv_bn(hidden, hidden, 3, stride=stride, groups=hidden),  # depthwise
            conv_bn(hidden, cout, 1, act=False),  # linear bottleneck
        ]
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


class MobileNetV2ish(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 16, 3, stride=2)  # 32x32
        self.blocks = nn.Sequential(
            InvertedResidual(16, 16, 1, 1),
            InvertedResidual(16, 24, 2, 4),  # 16x16
            InvertedResidual(24, 24, 1, 4),
            InvertedResidual(24, 32, 2, 4),  # 8x8
            InvertedResidual(32, 32, 1, 4),
        )
        self.head = nn.Sequential(
            nn.Conv2d(32, 96, 1, bias=False),
            nn.BatchNorm2d(96),
            nn.Hardswish(),
        )
        self.fc = nn.Linear(96, 10)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        x = x.mean(dim=(2, 3))  # ReduceMean
        return self.fc(x)


class Audio1D(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(1, 16, 80, stride=4, padding=38)  # 4000
        self.bn1 = nn.BatchNorm1d(16)
        self.pool1 = nn.MaxPool1d(4)  # 1000
        self.conv2 = nn.Conv1d(16, 32, 3, dilation=2, padding=2)  # 1000
        self.bn2 = nn.BatchNorm1d(32)
        self.pool2 = nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=True)  # 500
        self.conv3 = nn.Conv1d(32, 32, 3, stride=2, padding=1)  # 250
        self.gate = nn.Conv1d(32, 32, 1)
        self.pool3 = nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False)  # 125
        self.conv4 = nn.Conv1d(32, 32, 5, padding=4, dilation=2)  # 125
        self.bn4 = nn.BatchNorm1d(32)
        self.fc = nn.Linear(64, 12)

    def forward(self, x):
        x = F.leaky_relu(self.bn1(self.conv1(x)), 0.1)
        x = self.pool1(x)
        x = torch.tanh(self.bn2(self.conv2(x)))
        x = self.pool2(x)
        x = self.conv3(x)
        x = x * torch.sigmoid(self.gate(x))  # gated: Sigmoid, Mul
        x = self.pool3(x)
        x = F.leaky_relu(self.bn4(self.conv4(x)), 0.01)
        avg = F.adaptive_avg_pool1d(x, 1).flatten(1)  # GlobalAveragePool
        mx = x.amax(dim=2)  # ReduceMax
        x = torch.cat([avg, mx], dim=1)
        return F.log_softmax(self.fc(x), dim=1)


class OpsZoo(nn.Module):
    """Every tier-1 operator that the other fixtures do not already emit."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 24)  # x @ W.t() + b: Gemm transB=1
        self.w2 = nn.Parameter(torch.randn(24, 24) * 0.2)  # addmm: Gemm
        self.b2 = nn.Parameter(torch.randn(24) * 0.1)
        self.w3 = nn.Parameter(torch.randn(4, 6) * 0.3)  # addmm(b, a.t(), w)
        self.b3 = nn.Parameter(torch.randn(6) * 0.1)
        self.prelu = nn.PReLU(num_parameters=24, init=0.2)
        with torch.no_grad():
            self.prelu.weight.copy_(torch.linspace(0.05, 0.4, 24))

    def forward(self, x):  # x: [1, 4, 16]
        r = x.reshape(4, 16)  # Reshape
        g = self.fc(r)  # Gemm transB
        g = torch.addmm(self.b2, g, self.w2)  # Gemm
        a = F.elu(g, alpha=0.8)  # Elu
        a = self.prelu(a)  # PRelu
        hs = F.hardsigmoid(a)  # HardSigmoid
        e = torch.exp(-torch.abs(a))  # Exp, Neg, Abs
        lg = torch.log(torch.abs(a) + 1.0)  # Log of a positive
        sq = torch.sqrt(torch.abs(g))  # Sqrt
        pw = torch.pow(torch.abs(a) + 0.5, 1.5)  # Pow
        rc = torch.reciprocal(torch.abs(g) + 1.0)  # Reciprocal
        mx = torch.maximum(hs, e)  # Max
        mn = torch.minimum(lg, sq)  # Min
        d = (pw - mn) / (rc + 2.0)  # Sub, Div
        t = x.permute(0, 2, 1)  # Transpose: [1, 16, 4]
        t2 = torch.addmm(self.b3, t.reshape(16, 4), self.w3)  # Gemm [16, 6]
        t2 = torch.clamp(t2, -0.5, 0.5)  # Clip with min and max
        p = F.pad(x, (1, 2), value=0.25)  # Pad constant: [1, 4, 19]
        u = p.unsqueeze(1)  # Unsqueeze: [1, 1, 4, 19]
        s = u.squeeze(1)  # Squeeze: [1, 4, 19]
        sm = torch.softmax(s, dim=1)  # Softmax on a non-last axis
        m = sm.mean(dim=2, keepdim=True)  # ReduceMean
        su = torch.sum(d, dim=1)  # ReduceSum [4]
        am = torch.amax(mx, dim=0)  # ReduceMax [24]
        sig = torch.sigmoid(mn).mean(dim=1)  # Sigmoid
        th = torch.tanh(t2)  # Tanh
        lr = F.leaky_relu(d - 0.5, 0.05)
        parts = [
            mx.reshape(1, -1),
            lr.reshape(1, -1),
            m.reshape(1, -1),
            su.reshape(1, -1),
            am.reshape(1, -1),
            sig.reshape(1, -1),
            th.reshape(1, -1),
            s.reshape(1, -1),
        ]
        return torch.cat(parts, dim=1)  # Concat


SEQ = 16
D_MODEL = 32
VOCAB = 40


def encoder(activation):
    layer = nn.TransformerEncoderLayer(
        d_model=D_MODEL,
        nhead=2,
        dim_feedforward=64,
        dropout=0.1,
        activation=activation,
        batch_first=True,
    )
    return nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)


class Encoder(nn.Module):
    """nn.TransformerEncoder on a float [batch, seq, d_model] input."""

    def __init__(self, activation):
        super().__init__()
        self.encoder = encoder(activation)

    def forward(self, x):
        return self.encoder(x)


class EncoderMask(nn.Module):
    """nn.TransformerEncoder with a bool src_key_padding_mask (True = pad),
    as torch takes it."""

    def __init__(self, activation):
        super().__init__()
        self.encoder = encoder(activation)

    def forward(self, x, mask):
        return self.encoder(x, src_key_padding_mask=mask)


class EmbedEncoder(nn.Module):
    """Token ids (int64) and an attention mask (int64, 1 = token, 0 = pad)
    through an embedding, a learned position embedding, the encoder and a
    masked mean pool into class logits; the hidden states are a second
    output."""

    def __init__(self, activation):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D_MODEL, padding_idx=0)
        self.pos = nn.Parameter(torch.randn(1, SEQ, D_MODEL) * 0.1)
        self.encoder = encoder(activation)
        self.fc = nn.Linear(D_MODEL, 5)

    def forward(self, input_ids, mask):
        h = self.embed(input_ids) + self.pos
        h = self.encoder(h, src_key_padding_mask=mask == 0)
        w = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * w).sum(dim=1) / w.sum(dim=1).clamp(min=1.0)
        return self.fc(pooled), h


def padding_mask(lengths):
    """[batch, SEQ] bool, True past each row's length."""
    m = np.zeros((len(lengths), SEQ), dtype=bool)
    for i, n in enumerate(lengths):
        m[i, n:] = True
    return m


def float_input(rng, shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# Each fixture: name, seed, a builder returning (model, inputs, export kwargs,
# note). inputs is a list of (onnx input name, numpy array).


def build_mlp(rng):
    return he_scale(MLP()), [("input", rng.random((1, 1, 28, 28), dtype=np.float32))]


def build_lenet(rng):
    return he_scale(LeNet()), [("input", rng.random((1, 1, 28, 28), dtype=np.float32))]


def build_lenet_view(rng):
    return he_scale(LeNetView()), [("input", rng.random((1, 1, 28, 28), dtype=np.float32))]


def build_cifar(rng):
    m = nontrivial_bn(he_scale(CifarCNN()), 103)
    return m, [("input", float_input(rng, (1, 3, 32, 32)))]


def build_mobilenet(rng):
    m = nontrivial_bn(he_scale(MobileNetV2ish()), 104)
    return m, [("input", float_input(rng, (1, 3, 64, 64)))]


def build_audio(rng):
    m = nontrivial_bn(he_scale(Audio1D()), 105)
    t = np.arange(16000, dtype=np.float64) / 16000.0
    wave = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.1 * rng.standard_normal(16000)
    return m, [("input", wave.astype(np.float32).reshape(1, 1, 16000))]


def build_ops_zoo(rng):
    return OpsZoo(), [("input", float_input(rng, (1, 4, 16)))]


def build_encoder(activation):
    def b(rng):
        return Encoder(activation), [("input", float_input(rng, (2, SEQ, D_MODEL)))]

    return b


def build_encoder_mask(activation):
    def b(rng):
        x = float_input(rng, (2, SEQ, D_MODEL))
        return EncoderMask(activation), [("input", x), ("mask", padding_mask([SEQ, 11]))]

    return b


def build_embed(activation):
    def b(rng):
        lengths = [SEQ, 9]
        ids = rng.integers(1, VOCAB, size=(2, SEQ)).astype(np.int64)
        mask = (~padding_mask(lengths)).astype(np.int64)
        ids[mask == 0] = 0
        return EmbedEncoder(activation), [("input_ids", ids), ("mask", mask)]

    return b


FIXTURES = [
    # name, seed, builder, export options
    ("mlp", 101, build_mlp, {}),
    ("lenet", 102, build_lenet, {}),
    ("lenet_dynbatch", 102, build_lenet_view, {"dynamic_axes": {"input": {0: "batch"}, "output": {0: "batch"}}}),
    ("cifar_cnn", 103, build_cifar, {}),
    ("cifar_cnn_bn", 103, build_cifar, {"training": torch.onnx.TrainingMode.PRESERVE}),
    ("mobilenetv2", 104, build_mobilenet, {}),
    ("audio1d", 105, build_audio, {}),
    ("ops_zoo", 106, build_ops_zoo, {}),
    ("transformer_relu", 107, build_encoder("relu"), {}),
    ("transformer_gelu", 108, build_encoder("gelu"), {}),
    ("transformer_relu_mask", 109, build_encoder_mask("relu"), {}),
    ("transformer_gelu_mask", 110, build_encoder_mask("gelu"), {}),
    ("transformer_embed_gelu", 111, build_embed("gelu"), {}),
]

OUTPUT_NAMES = {"transformer_embed_gelu": ["output", "hidden"]}


# ----------------------------------------------------------------- export


def input_file(name, inp):
    return f"{name}.input.npy" if inp == "input" else f"{name}.{inp}.npy"


def output_file(name, opset, out):
    return f"{name}-opset{opset}.{out}.npy"


def save_npy(path, arr):
    # np.save writes a fixed header for a given dtype and shape: byte-identical.
    with open(path, "wb") as f:
        np.save(f, arr, allow_pickle=False)


def op_types(path):
    m = onnx.load(path)
    seen = {}
    for n in m.graph.node:
        seen[n.op_type] = seen.get(n.op_type, 0) + 1
    return m, seen


def export_all(only):
    manifest = []
    failures = []
    for name, seed, build, opts in FIXTURES:
        if only and name not in only:
            continue
        rng = seeded(seed)
        model, inputs = build(rng)
        model.eval()
        args = tuple(torch.from_numpy(a) for _, a in inputs)
        # Grad stays enabled, as in torch.onnx.export's trace: under no_grad an
        # eval nn.TransformerEncoder takes its fused fast path (see NOTES).
        out = model(*args)
        outs = out if isinstance(out, tuple) else (out,)
        out_names = OUTPUT_NAMES.get(name, ["output"])
        entry = {
            "name": name,
            "inputs": [
                {"name": n, "file": input_file(name, n), "dtype": str(a.dtype), "shape": list(a.shape)}
                for n, a in inputs
            ],
            "outputs": [],
            "opsets": {},
        }
        for n, a in inputs:
            save_npy(os.path.join(HERE, input_file(name, n)), a)
        for opset in OPSETS:
            fname = f"{name}-opset{opset}.onnx"
            buf = io.BytesIO()
            try:
                torch.onnx.export(
                    model,
                    args,
                    buf,
                    opset_version=opset,
                    input_names=[n for n, _ in inputs],
                    output_names=out_names,
                    do_constant_folding=True,
                    **opts,
                )
            except Exception as e:  # recorded in the README, not fatal
                msg = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
                failures.append({"file": fname, "error": msg})
                print(f"FAILED {fname}: {msg}", file=sys.stderr)
                traceback.print_exc()
                continue
            with open(os.path.join(HERE, fname), "wb") as f:
                f.write(buf.getvalue())
            onnx.checker.check_model(os.path.join(HERE, fname))
            outputs = []
            for on, o in zip(out_names, outs):
                arr = o.detach().numpy().astype(np.float32)
                save_npy(os.path.join(HERE, output_file(name, opset, on)), arr)
                outputs.append({"name": on, "file": output_file(name, opset, on), "shape": list(arr.shape)})
            entry["outputs"] = [{"name": o["name"], "shape": o["shape"]} for o in outputs]
            _, ops = op_types(os.path.join(HERE, fname))
            entry["opsets"][str(opset)] = {
                "file": fname,
                "outputs": [o["file"] for o in outputs],
                "ops": dict(sorted(ops.items())),
            }
            print(f"wrote {fname}: {', '.join(sorted(ops))}")
        manifest.append(entry)
    return manifest, failures


def run_ort(manifest):
    script = os.path.join(ORT_DIR, "verify_torch.mjs")
    if not os.path.isdir(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node")):
        sys.exit(f"onnxruntime-node is not installed: run `npm ci --ignore-scripts` in {ORT_DIR}, or pass --no-ort")
    p = subprocess.run(["node", script, HERE], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{script} failed (exit {p.returncode}):\n{p.stdout}\n{p.stderr}")
    return json.loads(p.stdout)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def ort_version():
    try:
        with open(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node", "package.json")) as f:
            return json.load(f)["version"]
    except OSError:
        return "not installed"


def write_manifest(manifest, failures):
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump({"fixtures": manifest, "failed_exports": failures}, f, indent=1, sort_keys=True)
        f.write("\n")


def write_docs(manifest, failures, diffs):
    lines = []
    for e in manifest:
        for opset, o in sorted(e["opsets"].items()):
            lines.append(f"{o['file']}: " + " ".join(f"{k}×{v}" for k, v in o["ops"].items()))
    with open(os.path.join(HERE, "ops.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")

    r = []
    w = r.append
    w("# Torch fixtures for the ONNX importer")
    w("")
    w("Generated by `export.py`; do not edit by hand. Remake everything, including this file, with:")
    w("")
    w("```")
    w("(cd bench/node/ort && npm ci --ignore-scripts)   # onnxruntime-node, for the check")
    w("/usr/bin/python3 testdata/onnx/torch/export.py")
    w("```")
    w("")
    w(f"Made with torch {torch.__version__} (Debian python3-torch), onnx {onnx.__version__} (Debian python3-onnx), "
      f"numpy {np.__version__}, Python {platform.python_version()}; checked with onnxruntime-node {ort_version()}. "
      "CI does not install torch: these files are committed. Two runs write byte-identical files "
      "(seeded weights and inputs, eval mode, no dropout).")
    w("")
    w("## Files")
    w("")
    w("For each model NAME and opset N (13 and 17):")
    w("")
    w("- `NAME-opsetN.onnx`: `torch.onnx.export`, `do_constant_folding=True`, static shapes (no dynamic axes) "
      "except lenet_dynbatch.")
    w("- `NAME.input.npy`: the input named `input` (float32, C order). A model with other inputs has "
      "`NAME.<input name>.npy` for each (`input_ids`, `mask`).")
    w("- `NAME-opsetN.output.npy`: torch's output `output` (float32), the same for both opsets; a second "
      "output has `NAME-opsetN.<output name>.npy` (`hidden`).")
    w("- `manifest.json`: every fixture's inputs (name, file, dtype, shape), outputs and operators; "
      "`ops.txt`: the operators of each file with their node counts.")
    w("")
    w("| model | what it is | inputs |")
    w("|---|---|---|")
    desc = {
        "mlp": "Flatten, Linear 784→64, ReLU, Linear 64→10, Softmax",
        "lenet": "Conv2d 5×5 pad 2, MaxPool, ReLU, Conv2d 5×5, MaxPool, ReLU, Flatten, Linear×2",
        "lenet_dynbatch": "lenet's weights with `x.view(x.size(0), -1)` and a dynamic batch axis `batch` on input and output (the committed input has batch 1): the only fixture with a symbolic dimension",
        "cifar_cnn": "3 Conv2d+BatchNorm2d+ReLU, MaxPool (one with ceil_mode), AdaptiveAvgPool, Dropout, Linear; BN folded by torch",
        "cifar_cnn_bn": "the same model and weights exported with `training=TrainingMode.PRESERVE`: BatchNormalization nodes remain",
        "mobilenetv2": "stride-2 stem, 5 inverted residual blocks (1×1 expand, 3×3 depthwise, 1×1 linear bottleneck, ReLU6 = Clip, residual Add), Hardswish, mean over H,W, Linear",
        "audio1d": "Conv1d stride 4, BatchNorm1d, LeakyReLU, MaxPool1d, dilated Conv1d, Tanh, AvgPool1d with padding count_include_pad=True then False, sigmoid gate, global avg and max pool, Linear, LogSoftmax; input a 440 Hz tone plus noise",
        "ops_zoo": "the remaining tier-1 operators: Elu, PRelu, HardSigmoid, Exp, Log, Sqrt, Pow, Neg, Abs, Reciprocal, Max, Min, Div, Sub, Transpose, Reshape, Concat, Pad, Squeeze, Unsqueeze, ReduceMean/Sum/Max, Softmax on axis 1, Gemm from Linear and addmm",
        "transformer_relu": "nn.TransformerEncoder, d_model 32, 2 heads, 2 layers, feed-forward 64, relu, batch_first, no mask",
        "transformer_gelu": "the same with gelu",
        "transformer_relu_mask": "relu encoder with `src_key_padding_mask` (bool, True = pad) as a second input; row 1 padded after 11 tokens",
        "transformer_gelu_mask": "the same with gelu",
        "transformer_embed_gelu": "int64 `input_ids` → nn.Embedding (vocab 40) + learned positions → gelu encoder with padding mask from int64 `mask` (1 = token, 0 = pad, `mask == 0`) → masked mean pool → Linear 32→5 (`output`); hidden states as second output `hidden`",
    }
    for e in manifest:
        ins = ", ".join(f"`{i['name']}` {i['dtype']} {'×'.join(map(str, i['shape']))}" for i in e["inputs"])
        w(f"| {e['name']} | {desc.get(e['name'], '')} | {ins} |")
    w("")
    w("## Operators of each file")
    w("")
    w("Op types with node counts, read back with `onnx.load`:")
    w("")
    w("| file | operators |")
    w("|---|---|")
    for e in manifest:
        for opset, o in sorted(e["opsets"].items()):
            w(f"| {o['file']} | {', '.join(f'{k} {v}' for k, v in o['ops'].items())} |")
    w("")
    w("## Check against onnxruntime-node")
    w("")
    if diffs is None:
        w("Not run (--no-ort).")
    else:
        w(f"Each .onnx run by onnxruntime-node {ort_version()} (CPU, 1 thread) on the committed inputs "
          f"(`bench/node/ort/verify_torch.mjs`); max abs difference from torch's output, and the output's "
          f"max abs value (its scale). The script fails above {TOLERANCE:g}.")
        w("")
        w("| file | output | max abs diff | output scale |")
        w("|---|---|---|---|")
        for d in diffs:
            w(f"| {d['file']} | {d['output']} | {d['maxAbsDiff']:.3g} | {d['scale']:.4g} |")
    w("")
    w("## Exports that failed or needed a workaround")
    w("")
    if failures:
        for fl in failures:
            w(f"- `{fl['file']}`: {fl['error']}")
    else:
        w("Every file listed above exported as written in `export.py`. These variants fail with torch "
          f"{torch.__version__} (tried by `export.py` on each run, no file written):")
    w("")
    for p in probe_failures():
        w(f"- {p['what']}: `{p['error']}`")
    w("")
    for para in NOTES:
        w(para)
        w("")
    w("## sha256")
    w("")
    w("```")
    for fn in sorted(os.listdir(HERE)):
        if fn == "README.md" or fn.startswith(".") or os.path.isdir(os.path.join(HERE, fn)):
            continue
        w(f"{sha256(os.path.join(HERE, fn))}  {fn}")
    w("```")
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write("\n".join(r) + "\n")


def probe_failures():
    """Exports that fail with torch 1.13, tried on every run so that the
    README states what this torch does rather than what it once did."""
    probes = []
    x = torch.from_numpy(float_input(np.random.default_rng(0), (2, SEQ, D_MODEL)))
    m = torch.from_numpy(padding_mask([SEQ, 11]))
    for nested in (True, False):
        for with_mask in (False, True):
            torch.manual_seed(0)
            layer = nn.TransformerEncoderLayer(D_MODEL, 2, 64, 0.1, "relu", batch_first=True)
            enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=nested)
            model = EncoderMask.__new__(EncoderMask) if with_mask else Encoder.__new__(Encoder)
            nn.Module.__init__(model)
            model.encoder = enc
            model.eval()
            what = (f"nn.TransformerEncoder(enable_nested_tensor={nested}), "
                    f"{'with' if with_mask else 'without'} src_key_padding_mask, exported inside torch.no_grad()")
            try:
                with torch.no_grad():
                    torch.onnx.export(model, (x, m) if with_mask else (x,), io.BytesIO(), opset_version=17)
                probes.append({"what": what, "error": "exported (no failure)"})
            except Exception as e:
                probes.append({"what": what, "error": f"{type(e).__name__}: {str(e).splitlines()[0].split(' Please feel free')[0]}"})
    return probes


NOTES = [
    "Why the transformer exports above work, and what fails: an eval `nn.TransformerEncoderLayer` takes "
    "its fused fast path (`torch._transformer_encoder_layer_fwd`) when no parameter needs a gradient, and "
    "with `enable_nested_tensor=True` (the default) and a padding mask the encoder also packs the batch "
    "into a nested tensor (`logical_not`, `_nested_tensor_from_mask`). Neither has an ONNX symbolic in "
    "torch 1.13, so exporting inside `torch.no_grad()` fails (the probes listed above, re-run by every "
    "`export.py`). `torch.onnx.export` with grad enabled traces the plain path, which exports at opsets 13 "
    "and 17 with and without a mask. The fast paths also change torch's own answer: under `no_grad` with "
    "the nested tensor, the outputs at padded positions are 0, while the exported graph computes them "
    "(about 2.7 in magnitude here). So `export.py` builds the encoders with `enable_nested_tensor=False` "
    "and computes every reference output with grad enabled, as the trace does; at real tokens the fused "
    "path and the plain path agree to 1e-6.",
    "What an importer meets in these files: opset 13 has no LayerNormalization, so torch emits it "
    "decomposed (ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add); opset 17 emits LayerNormalization. GELU is "
    "exact (Erf, Mul, Add, Div) at both opsets: ONNX's Gelu op is opset 20, which torch 1.13 does not "
    "write. The attention's head reshapes keep Shape, Gather, Slice and Reshape nodes even with static "
    "shapes (Shape of the in-projection's output, then Gather, and Slice to split q, k and v), and the "
    "padding mask goes through Reshape, Expand, Cast to bool and Where(mask, -inf, 0) added to the scores, "
    "with Expand's shape from a constant Equal/Where/ConstantOfShape subgraph: shape arithmetic to fold at "
    "import. Hardswish is HardSigmoid and Mul at opset 13 and HardSwish at opset 17. "
    "In audio1d, `AvgPool1d(padding=1, count_include_pad=True)` is exported as Pad then AveragePool with "
    "pads 0, and `count_include_pad=False` as AveragePool with pads [1, 1]. In ops_zoo, the pads of Pad "
    "come from a constant subgraph (ConstantOfShape, Concat, Reshape, Slice, Transpose, Cast) that only "
    "constant folding removes. cifar_cnn's second MaxPool has ceil_mode=1.",
    "Weights: torch's default initialisation rescaled to He's variance (2/fan_in) for the CNNs and MLP, "
    "and BatchNorm running means, variances, scales and shifts drawn at random, so that folding BN is not "
    "an identity and the logits are spread as a trained net's are. No model is trained.",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-ort", action="store_true", help="skip the onnxruntime-node check")
    ap.add_argument("only", nargs="*", help="export only these fixtures (no README)")
    a = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    manifest, failures = export_all(set(a.only))
    if a.only:
        return
    write_manifest(manifest, failures)
    diffs = None if a.no_ort else run_ort(manifest)
    if diffs is not None:
        bad = [d for d in diffs if not d["maxAbsDiff"] <= TOLERANCE]
        if bad:
            sys.exit(f"onnxruntime-node differs from torch by more than {TOLERANCE:g}: {bad}")
    write_docs(manifest, failures, diffs)


if __name__ == "__main__":
    main()
