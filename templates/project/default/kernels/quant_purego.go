package kernels

// The pure-Go quantized kernels (quant.go): what runs natively and in wasm
// builds without kernels. Lengths were checked by the caller.

func goQ8Gemv(y []float32, a []int8, scale, x, b []float32, m, n int) {
	x = x[:n]
	for i := range m {
		row := a[i*n : i*n+n]
		var s float32
		for j, q := range row {
			s += float32(float32(q) * x[j])
		}
		v := float32(s * scale[i])
		if b != nil {
			v += b[i]
		}
		y[i] = v
	}
}

func goQ8Gemm(c []float32, a []int8, scale, b, bias []float32, m, k, n int) {
	for i := range m {
		row := c[i*n : i*n+n]
		clear(row)
		for p := range k {
			w := float32(a[i*k+p])
			br := b[p*n : p*n+n]
			for j, v := range br {
				row[j] += float32(w * v)
			}
		}
		sc := scale[i]
		for j, v := range row {
			v = float32(v * sc)
			if bias != nil {
				v += bias[i]
			}
			row[j] = v
		}
	}
}

func goF16Gemv(y []float32, a []uint16, x, b []float32, m, n int) {
	x = x[:n]
	for i := range m {
		row := a[i*n : i*n+n]
		var s float32
		for j, h := range row {
			s += float32(F16ToF32(h) * x[j])
		}
		v := float32(0)
		if b != nil {
			v = b[i]
		}
		y[i] = v + s
	}
}

func goF16Gemm(c []float32, a []uint16, b, bias []float32, m, k, n int) {
	for i := range m {
		row := c[i*n : i*n+n]
		v := float32(0)
		if bias != nil {
			v = bias[i]
		}
		for j := range row {
			row[j] = v
		}
		for p := range k {
			w := F16ToF32(a[i*k+p])
			br := b[p*n : p*n+n]
			for j, v := range br {
				row[j] += float32(w * v)
			}
		}
	}
}
