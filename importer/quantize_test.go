package importer

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// TestQuantizeTorchCNNs quantizes the torch CNN fixtures (and the MLP)
// and runs the gate on 32 generated calibration inputs: top-1 agreement is
// at least 99% and the weights file shrinks to the ratio measured (the
// issue's goals, 27% for int8 and 52% for fp16, hold on the MLP, lenet and
// cifar_cnn, and fp16's on mobilenetv2; its int8 file cannot reach 27%
// with float32 biases, TestQuantizedWeightsRatio in importer/project). It
// logs the figures for docs/quantize.md.
func TestQuantizeTorchCNNs(t *testing.T) {
	ratios := map[string][2]float64{ // int8, fp16
		"lenet": {0.27, 0.52}, "cifar_cnn": {0.27, 0.52}, "cifar_cnn_bn": {0.27, 0.52}, "mobilenetv2": {0.325, 0.52}, "mlp": {0.27, 0.52},
		"transformer_gelu": {0.33, 0.54}, "audio1d": {0.33, 0.54},
	}
	for _, name := range []string{"lenet", "cifar_cnn", "cifar_cnn_bn", "mobilenetv2", "mlp", "transformer_gelu", "audio1d"} {
		for k, mode := range []struct {
			name  string
			ratio float64
		}{{QuantInt8, 0}, {QuantFP16, 0}} {
			mode.ratio = ratios[name][k]
			t.Run(name+"/"+mode.name, func(t *testing.T) {
				if testing.Short() && name == "mobilenetv2" {
					t.Skip("short")
				}
				pl := importTorch(t, name+"-opset17.onnx")
				qp, r, err := QuantizeGated(pl, mode.name, CalibrationInputs(pl.Graph, 32, 1), DefaultGate, QuantOptions{})
				if err != nil {
					t.Fatal(err)
				}
				fo, err := Generate(pl, nil)
				if err != nil {
					t.Fatal(err)
				}
				qo, err := Generate(qp, nil)
				if err != nil {
					t.Fatal(err)
				}
				r.WeightsBefore, r.WeightsAfter = len(fo.Weights), len(qo.Weights)
				t.Logf("%s", r.Summary())
				ratio := float64(len(qo.Weights)) / float64(len(fo.Weights))
				if ratio > mode.ratio {
					t.Errorf("weights %d → %d bytes = %.1f%% of float32, want <= %.0f%%", len(fo.Weights), len(qo.Weights), 100*ratio, 100*mode.ratio)
				}
				if err := r.Err(); err != nil {
					t.Error(err)
				}
				if r.Classifier && r.Agreement < 0.99 {
					t.Errorf("top-1 agreement %.3f", r.Agreement)
				}
				if v := binary.LittleEndian.Uint32(qo.Weights[4:]); v != 3 {
					t.Errorf("weights version %d, want 3", v)
				}
				if !bytes.Contains(qo.Files["model.go"], []byte("kernels.GemmExQ8")) && !bytes.Contains(qo.Files["model.go"], []byte("kernels.ConvQ8")) &&
					!bytes.Contains(qo.Files["model.go"], []byte("F16(")) {
					t.Error("the generated code calls no quantized kernel")
				}
			})
		}
	}
}

// TestGateRefusesDamagedLayer: one layer's int8 scales times 4 (the
// quantized weights of a bad export) is refused, and the gate names that
// layer as the worst.
func TestGateRefusesDamagedLayer(t *testing.T) {
	for _, name := range []string{"lenet", "cifar_cnn"} {
		t.Run(name, func(t *testing.T) {
			pl := importTorch(t, name+"-opset17.onnx")
			// Damage the second quantized layer.
			good, err := Quantize(pl, QuantInt8, QuantOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var layers []*Node
			for i, c := range good.Calls {
				if c.FuncName() != pl.Calls[i].FuncName() {
					layers = append(layers, c.Node)
				}
			}
			if len(layers) < 2 {
				t.Fatalf("%d quantized layers", len(layers))
			}
			target := layers[1]
			bad, err := Quantize(pl, QuantInt8, QuantOptions{DamageLayer: target.Name, DamageFactor: 4})
			if err != nil {
				t.Fatal(err)
			}
			r, err := Gate(pl, bad, QuantInt8, CalibrationInputs(pl.Graph, 32, 1), DefaultGate)
			if err != nil {
				t.Fatal(err)
			}
			gerr := r.Err()
			if gerr == nil {
				t.Fatalf("the gate passed a damaged model: %s", r.Summary())
			}
			if want := quantLabel(Call{Node: target}); r.Worst.Layer != want {
				t.Errorf("worst layer %s, want %s", r.Worst.Layer, want)
			}
			if !strings.Contains(gerr.Error(), "worst layer: "+r.Worst.Layer) {
				t.Errorf("message does not name the layer: %v", gerr)
			}
			t.Log(gerr)
		})
	}
}

// TestWeightsFileFloatUnchanged: a plan with nothing quantized writes the
// version 1 file, and Quantize with none returns the plan itself.
func TestWeightsFileFloatUnchanged(t *testing.T) {
	pl := importTorch(t, "lenet-opset17.onnx")
	a, err := Generate(pl, nil)
	if err != nil {
		t.Fatal(err)
	}
	qp, err := Quantize(pl, QuantNone, QuantOptions{})
	if err != nil || qp != pl {
		t.Fatalf("Quantize none: %v, %v", qp == pl, err)
	}
	b, err := Generate(qp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Weights, b.Weights) || binary.LittleEndian.Uint32(a.Weights[4:]) != 1 {
		t.Fatal("float weights changed")
	}
}

func TestF32ToF16(t *testing.T) {
	for _, c := range []struct {
		f float32
		h uint16
	}{{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, {1e-8, 0}, {5.960464477539063e-08, 1}, {6.103515625e-05, 0x0400},
		{float32(math.Inf(-1)), 0xfc00}, {1.0009765625, 0x3c01}, {1.00048828125, 0x3c00}, {1.00146484375, 0x3c02}, {0.333333333, 0x3555}} {
		if got := F32ToF16(c.f); got != c.h {
			t.Errorf("F32ToF16(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
}

// TestQuantInt8Scales: each row takes the smallest scale on the one-byte
// grid that is at least max|w|/127 (the next code's is under it), so no
// weight clips, and a row of zeros gets code 255; q = round(w/scale).
func TestQuantInt8Scales(t *testing.T) {
	f := []float32{
		0.5, -1, 0.25, // the largest row: code 0
		0.01, 0.002, -0.003,
		0, 0, 0,
		-3e-7, 1e-7, 0, // far under 2^-15.9 of the largest: code 254, coarse
		0.9, 0.1, -0.77,
	}
	data, sc := quantInt8(f, 5, 3)
	if sc.base != float32(1)/127 || sc.codes[0] != 0 || sc.codes[2] != kernels.ScaleZero || sc.codes[3] != 254 {
		t.Fatalf("base %v, codes %v", sc.base, sc.codes)
	}
	for i := range 5 {
		m := 0.0
		for _, v := range f[3*i : 3*i+3] {
			m = math.Max(m, math.Abs(float64(v)))
		}
		s := float64(kernels.DecodeScale(sc.base, sc.codes[i]))
		// (Code 0 is base, max|w|/127 rounded to float32: maybe an ulp under.)
		if c := sc.codes[i]; c < 254 && (s*127 < m*(1-0x1p-23) || float64(kernels.DecodeScale(sc.base, c+1))*127 >= m) {
			t.Errorf("row %d: code %d (scale %v) is not the smallest grid scale >= max|w|/127 = %v", i, c, s, m/127)
		}
		for j, v := range f[3*i : 3*i+3] {
			if want := math.RoundToEven(float64(v) / s); s > 0 && float64(data[3*i+j]) != want {
				t.Errorf("row %d: q = %d, want round(%v / %v) = %v", i, data[3*i+j], v, s, want)
			}
		}
	}
}
