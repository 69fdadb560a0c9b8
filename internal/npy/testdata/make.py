# Writes the .npy fixtures of npy's tests with Debian's numpy (1.24).
# Run: cd internal/npy/testdata && /usr/bin/python3 make.py
import numpy as np
from numpy.lib import format as fmt

def save(name, a, version=None):
    with open(name, "wb") as f:
        if version is None:
            np.save(f, a)
        else:
            fmt.write_array(f, a, version=version)

x = (np.arange(6, dtype=np.float32) - 2.5).reshape(2, 3)
save("f4_2x3.npy", x)
save("f8_3.npy", np.array([0.1, -2.0, 1e300]))
save("f2_4.npy", np.array([1, -2, 0.5, np.inf], dtype=np.float16))
save("i4_scalar.npy", np.array(-7, dtype=np.int32))
save("i8_2x2x2.npy", (np.arange(8, dtype=np.int64) - 4).reshape(2, 2, 2) * (1 << 40))
save("u1_3.npy", np.array([0, 128, 255], dtype=np.uint8))
save("i1_3.npy", np.array([-128, 0, 127], dtype=np.int8))
save("i2_2.npy", np.array([-32768, 32767], dtype=np.int16))
save("u2_2.npy", np.array([0, 65535], dtype=np.uint16))
save("u4_1.npy", np.array([4000000000], dtype=np.uint32))
save("b1_3.npy", np.array([True, False, True]))
save("f4_0x3.npy", np.zeros((0, 3), dtype=np.float32))
save("f4_v2.npy", x, version=(2, 0))
save("f4_v3.npy", x, version=(3, 0))
# Refused:
save("bad_bigendian.npy", x.astype(">f4"))
save("bad_fortran.npy", np.asfortranarray(x))
save("bad_structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
save("bad_complex.npy", np.zeros(2, dtype=np.complex64))
