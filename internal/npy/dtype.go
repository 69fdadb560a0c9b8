package npy

// kind describes one NumPy dtype this package reads.
type kind struct {
	name  string // Array.DType
	descr string // NumPy's descr, little-endian
	size  int    // bytes an element in the file
	mem   int    // bytes an element in Array's slices
}

var kinds = []kind{
	{"float32", "<f4", 4, 4},
	{"float64", "<f8", 8, 8},
	{"float16", "<f2", 2, 4},
	{"int8", "|i1", 1, 8},
	{"uint8", "|u1", 1, 8},
	{"int16", "<i2", 2, 8},
	{"uint16", "<u2", 2, 8},
	{"int32", "<i4", 4, 8},
	{"uint32", "<u4", 4, 8},
	{"int64", "<i8", 8, 8},
	{"bool", "|b1", 1, 8},
}

// kindOfDescr finds a descr; '=' (native) and '|' are taken as little-endian.
func kindOfDescr(descr string) (kind, bool) {
	if len(descr) == 3 && (descr[0] == '=' || descr[0] == '|' || descr[0] == '<') {
		for _, k := range kinds {
			if k.descr[1:] == descr[1:] {
				return k, true
			}
		}
	}
	return kind{}, false
}

func kindOfName(name string) (kind, bool) {
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return kind{}, false
}
