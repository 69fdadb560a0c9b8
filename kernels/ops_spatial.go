package kernels

// window is the checked spatial geometry of a convolution or pooling, in
// 2-D form: index 0 is the height (1 for a 1-D operator), 1 the width.
type window struct {
	in, out, k, s, d, pad, padEnd [2]int
}

// checkWindow checks the per-axis parameters shared by Conv and the pools:
// one or two axes, In, Kernel, Stride, Dilation >= 1, Pad (and PadEnd when
// given) >= 0, every product within 2^31-1.
func checkWindow(fn string, in, out, k, s, d, pad, padEnd []int) window {
	r := len(in)
	if r != 1 && r != 2 {
		shapeErr(fn, "len(In) = %d, want 1 (1-D) or 2 (2-D)", r)
	}
	// Fixed arrays, not appends: a model calls this once per layer per
	// predict, and an allocation there is garbage to collect.
	names := [...]string{"Out", "Kernel", "Stride", "Dilation", "Pad", "PadEnd"}
	shapes := [...][]int{out, k, s, d, pad, padEnd}
	n := len(names) - 1
	if padEnd != nil {
		n++
	}
	sameRank(fn, "In", in, names[:n], shapes[:n]...)
	var w window
	w.in, w.out, w.k, w.s, w.d = [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}
	for i := range r {
		j := i + 2 - r
		for _, f := range []struct {
			name string
			v    int
			lo   int
			dst  *int
		}{{"In", in[i], 1, &w.in[j]}, {"Out", out[i], 1, &w.out[j]}, {"Kernel", k[i], 1, &w.k[j]},
			{"Stride", s[i], 1, &w.s[j]}, {"Dilation", d[i], 1, &w.d[j]}, {"Pad", pad[i], 0, &w.pad[j]}} {
			if f.v < f.lo || f.v > maxSize {
				shapeErr(fn, "%s[%d] = %d, want %d..2^31-1", f.name, i, f.v, f.lo)
			}
			*f.dst = f.v
		}
		if padEnd != nil {
			if padEnd[i] < 0 || padEnd[i] > maxSize {
				shapeErr(fn, "PadEnd[%d] = %d, want 0..2^31-1", i, padEnd[i])
			}
			w.padEnd[j] = padEnd[i]
		}
		// Every index computed below fits an int64 with room to spare.
		if (k[i]-1) > maxSize/d[i] || (out[i]-1) > maxSize/s[i] {
			shapeErr(fn, "axis %d: Dilation*(Kernel-1) = %d*%d or (Out-1)*Stride = %d*%d is over 2^31-1", i, d[i], k[i]-1, out[i]-1, s[i])
		}
	}
	return w
}

// span is the extent of a window: Dilation·(Kernel-1)+1.
func (w *window) span(j int) int { return w.d[j]*(w.k[j]-1) + 1 }

// outFloor is ONNX's output length with padding p at the end, in floor
// mode: floor((In + Pad + p - span)/Stride) + 1 (at most 0 when the
// window does not fit).
func (w *window) outFloor(j, p int) int {
	num := w.in[j] + w.pad[j] + p - w.span(j)
	if num < 0 {
		return 0
	}
	return num/w.s[j] + 1
}

// outCeil is the same in ceil mode.
func (w *window) outCeil(j, p int) int {
	num := w.in[j] + w.pad[j] + p - w.span(j)
	if num < 0 {
		return 0
	}
	return (num+w.s[j]-1)/w.s[j] + 1
}

// axisName is "Out[i]" for 2-D index j of an r-axis operator.
func axisIndex(j, r int) int { return j - (2 - r) }
