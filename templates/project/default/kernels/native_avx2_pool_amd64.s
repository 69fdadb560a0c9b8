//go:build goexperiment.simd && amd64 && !wasip1

#include "textflag.h"

// FMAX sets X to Go's max(X, Y) lane by lane (NaN if either is NaN,
// max(−0, +0) = +0), with T1 and T2 as scratch. VMAXPS returns its
// second source Y on a NaN or a tie of zeros: a NaN in X is put back,
// and on equal lanes the bits are and-ed (+0 from ±0, else the value).
#define FMAX(X, Y, T1, T2) \
	VMAXPS Y, X, T1; \
	VCMPPS $3, X, X, T2; \
	VBLENDVPS T2, X, T1, T1; \
	VCMPPS $0, Y, X, T2; \
	VANDPS Y, X, X; \
	VBLENDVPS T2, X, T1, X

// func maxPoolS2(dst *float32, src *float32, dstep, sstep, pitch, kh, kw, nb, oh int)
//
// The max pool of a kh×kw window (kw 2 or 3) at stride 2 across, no
// dilation, over one plane: oh output rows dstep values apart, each nb
// blocks of 8 outputs; output row r reads input rows src + r·sstep + ky·pitch,
// ky < kh (kh >= 1), output j of a row the columns 2j … 2j+kw−1. Each
// block takes the rows' larger lanes first (16 columns, and for kw 3 the
// 16 from column 2 on), then the larger of the even and odd columns (and
// of the even columns one on): max is the same in any order (NaN wins,
// −0 < +0), so these are goPool's bits. It reads columns up to 16·nb − 1
// (kw 2) or 16·nb + 1 (kw 3) of each row; its caller checks the bounds.
TEXT ·maxPoolS2(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ dstep+16(FP), R8
	SHLQ $2, R8
	MOVQ sstep+24(FP), R9
	SHLQ $2, R9
	MOVQ pitch+32(FP), R12
	SHLQ $2, R12
	MOVQ kh+40(FP), R13
	MOVQ kw+48(FP), R14
	MOVQ oh+64(FP), BX
row:
	MOVQ DI, AX  // this row's output block
	MOVQ SI, DX  // this row's input block
	MOVQ nb+56(FP), CX
block:
	MOVQ DX, R10
	VMOVUPS 0(R10), Y0
	VMOVUPS 32(R10), Y1
	CMPQ R14, $3
	JNE  rows2
	VMOVUPS 8(R10), Y2
	VMOVUPS 40(R10), Y3
rows2:
	MOVQ R13, R11
	DECQ R11
	JZ   across
down:
	ADDQ R12, R10
	VMOVUPS 0(R10), Y4
	FMAX(Y0, Y4, Y6, Y7)
	VMOVUPS 32(R10), Y5
	FMAX(Y1, Y5, Y6, Y7)
	CMPQ R14, $3
	JNE  next
	VMOVUPS 8(R10), Y4
	FMAX(Y2, Y4, Y6, Y7)
	VMOVUPS 40(R10), Y5
	FMAX(Y3, Y5, Y6, Y7)
next:
	DECQ R11
	JNZ  down
across:
	VSHUFPS $0x88, Y1, Y0, Y8 // even columns (outputs 0 1 4 5 | 2 3 6 7)
	VSHUFPS $0xDD, Y1, Y0, Y9 // odd columns
	FMAX(Y8, Y9, Y6, Y7)
	CMPQ R14, $3
	JNE  store
	VSHUFPS $0x88, Y3, Y2, Y9 // even columns from column 2
	FMAX(Y8, Y9, Y6, Y7)
store:
	VPERMPD $0xD8, Y8, Y8 // outputs 0–7 in order
	VMOVUPS Y8, 0(AX)
	ADDQ $32, AX
	ADDQ $64, DX
	DECQ CX
	JNZ  block
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ BX
	JNZ  row
	VZEROUPPER
	RET

// func copyRows(dst, src *float32, n, w, dpitch int)
//
// Copies n rows of w values (w >= 8), src's rows w values apart, into
// dst's rows dpitch values apart: 8 values at a time, the last 8 of a
// row overlapping the ones before.
TEXT ·copyRows(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ w+24(FP), R8
	SHLQ $2, R8
	MOVQ dpitch+32(FP), R9
	SHLQ $2, R9
	LEAQ -32(R8), R10 // the last 8 values' offset
crow:
	XORQ AX, AX
cvec:
	CMPQ AX, R10
	JGE  clast
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	JMP  cvec
clast:
	VMOVUPS (SI)(R10*1), Y0
	VMOVUPS Y0, (DI)(R10*1)
	ADDQ R8, SI
	ADDQ R9, DI
	DECQ BX
	JNZ  crow
	VZEROUPPER
	RET
