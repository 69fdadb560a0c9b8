package onnx

import (
	"fmt"

	"github.com/pwagen/pwagen/onnx/onnxpb"
)

func (d *decoder) values(ps []*onnxpb.ValueInfoProto, where string) ([]ValueInfo, error) {
	out := make([]ValueInfo, 0, len(ps))
	for i, p := range ps {
		v, err := d.value(p, fmt.Sprintf("%s %d %q", where, i, p.GetName()))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *decoder) value(p *onnxpb.ValueInfoProto, what string) (ValueInfo, error) {
	v := ValueInfo{Name: p.GetName()}
	t := p.GetType()
	switch {
	case t == nil || t.GetValue() == nil:
		v.Kind = KindUnknown
		return v, nil
	case t.GetSequenceType() != nil:
		v.Kind = KindSequence
		return v, nil
	case t.GetMapType() != nil:
		v.Kind = KindMap
		return v, nil
	case t.GetOptionalType() != nil:
		v.Kind = KindOptional
		return v, nil
	case t.GetSparseTensorType() != nil:
		v.Kind = KindSparseTensor
		return v, nil
	}
	tt := t.GetTensorType()
	if n := tt.GetElemType(); n != 0 {
		dt, ok := dtypeOf(n)
		if !ok {
			return v, fmt.Errorf("%s has element type %s (%d), which pwagen does not read; convert it before export", what, protoTypeName(n), n)
		}
		v.DType = dt
	}
	if tt.GetShape() == nil {
		return v, nil
	}
	v.HasShape = true
	dims := tt.GetShape().GetDim()
	if len(dims) > d.lim.MaxRank {
		return v, &LimitError{What: what + "'s rank", Field: "MaxRank", Size: int64(len(dims)), Limit: int64(d.lim.MaxRank), Unit: "dimensions"}
	}
	v.Shape = make([]Dim, len(dims))
	for i, dim := range dims {
		v.Shape[i] = Dim{Value: -1, Param: dim.GetDimParam()}
		if _, ok := dim.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); !ok {
			continue
		}
		x := dim.GetDimValue()
		if x < 0 {
			return v, fmt.Errorf("%s has a negative dimension %d at index %d; the file is corrupt", what, x, i)
		}
		if x > d.lim.MaxDim {
			return v, &LimitError{What: fmt.Sprintf("%s's dimension %d", what, i), Field: "MaxDim", Size: x, Limit: d.lim.MaxDim}
		}
		v.Shape[i].Value = x
	}
	return v, nil
}

func (d *decoder) attr(a *onnxpb.AttributeProto, node string, scope *scope, opsets map[string]int64) (Attr, error) {
	what := fmt.Sprintf("%s: attribute %q", node, a.GetName())
	if a.GetName() == "" {
		return Attr{}, fmt.Errorf("%s: an attribute has no name; the file is corrupt", node)
	}
	if a.GetRefAttrName() != "" {
		return Attr{}, fmt.Errorf("%s refers to a function attribute %q, which pwagen does not read", what, a.GetRefAttrName())
	}
	at := Attr{Name: a.GetName(), Type: attrType(a.GetType())}
	var err error
	switch a.GetType() {
	case onnxpb.AttributeProto_FLOAT:
		at.F = a.GetF()
	case onnxpb.AttributeProto_INT:
		at.I = a.GetI()
	case onnxpb.AttributeProto_STRING:
		at.S = a.GetS()
	case onnxpb.AttributeProto_FLOATS:
		at.Fs = a.GetFloats()
	case onnxpb.AttributeProto_INTS:
		at.Is = a.GetInts()
	case onnxpb.AttributeProto_STRINGS:
		at.Ss = a.GetStrings()
	case onnxpb.AttributeProto_TENSOR:
		if a.GetT() == nil {
			return at, fmt.Errorf("%s is of type tensor but holds none; the file is corrupt", what)
		}
		at.T, err = d.tensor(a.GetT(), what)
		return at, err
	case onnxpb.AttributeProto_TENSORS:
		for i, t := range a.GetTensors() {
			x, err := d.tensor(t, fmt.Sprintf("%s tensor %d", what, i))
			if err != nil {
				return at, err
			}
			at.Ts = append(at.Ts, x)
		}
	case onnxpb.AttributeProto_GRAPH:
		if a.GetG() == nil {
			return at, fmt.Errorf("%s is of type graph but holds none; the file is corrupt", what)
		}
		at.G, err = d.graph(a.GetG(), scope, opsets)
	case onnxpb.AttributeProto_GRAPHS:
		for _, g := range a.GetGraphs() {
			x, err := d.graph(g, scope, opsets)
			if err != nil {
				return at, err
			}
			at.Gs = append(at.Gs, x)
		}
	case onnxpb.AttributeProto_SPARSE_TENSOR, onnxpb.AttributeProto_SPARSE_TENSORS,
		onnxpb.AttributeProto_TYPE_PROTO, onnxpb.AttributeProto_TYPE_PROTOS:
		// Read as their type alone: an importer that meets one refuses the node.
	default:
		return at, fmt.Errorf("%s has no valid type (%d); the file is corrupt or from an ONNX older than 1.0", what, a.GetType())
	}
	if err != nil {
		return at, fmt.Errorf("%s: %w", what, err)
	}
	return at, nil
}

func attrType(t onnxpb.AttributeProto_AttributeType) AttrType {
	switch t {
	case onnxpb.AttributeProto_FLOAT:
		return AttrFloat
	case onnxpb.AttributeProto_INT:
		return AttrInt
	case onnxpb.AttributeProto_STRING:
		return AttrString
	case onnxpb.AttributeProto_TENSOR:
		return AttrTensor
	case onnxpb.AttributeProto_GRAPH:
		return AttrGraph
	case onnxpb.AttributeProto_FLOATS:
		return AttrFloats
	case onnxpb.AttributeProto_INTS:
		return AttrInts
	case onnxpb.AttributeProto_STRINGS:
		return AttrStrings
	case onnxpb.AttributeProto_TENSORS:
		return AttrTensors
	case onnxpb.AttributeProto_GRAPHS:
		return AttrGraphs
	case onnxpb.AttributeProto_SPARSE_TENSOR:
		return AttrSparseTensor
	case onnxpb.AttributeProto_SPARSE_TENSORS:
		return AttrSparseTensors
	case onnxpb.AttributeProto_TYPE_PROTO:
		return AttrTypeProto
	case onnxpb.AttributeProto_TYPE_PROTOS:
		return AttrTypeProtos
	}
	return AttrUndefined
}
