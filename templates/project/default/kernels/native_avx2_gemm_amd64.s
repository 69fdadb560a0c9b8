//go:build goexperiment.simd && amd64 && !wasip1

#include "textflag.h"

// ROW2 adds one row of the tile: the weight at A broadcast, times the
// two 8-column halves Y12 and Y13, into ACC0 and ACC1 (each product
// rounded, then added: VMULPS then VADDPS).
#define ROW2(A, ACC0, ACC1) \
	VBROADCASTSS A, Y14; \
	VMULPS Y12, Y14, Y15; \
	VADDPS Y15, ACC0, ACC0; \
	VMULPS Y13, Y14, Y15; \
	VADDPS Y15, ACC1, ACC1

// STORE2 writes ACC0, ACC1 as the 16 values at DI, then moves DI on one
// row (R8 bytes).
#define STORE2(ACC0, ACC1) \
	VMOVUPS ACC0, 0(DI); \
	VMOVUPS ACC1, 32(DI); \
	ADDQ R8, DI

// func gemmTile6(c *float32, ldc int, a *float32, lda int, panel *float32, k int, bias *float32)
//
// The 6×16 tile of c at c (rows ldc values apart): bias[r] + Σ_p
// a[r·lda+p]·panel[16p+j], p in order, each product rounded before its
// addition (VMULPS then VADDPS, no FMA): goGemm's order, bit for bit.
// The 12 accumulators stay in Y0–Y11; Y12, Y13 hold the panel row, Y14
// the broadcast weight, Y15 the product. k >= 1.
TEXT ·gemmTile6(SB), NOSPLIT, $0-56
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	SHLQ $2, R8
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R9
	SHLQ $2, R9
	MOVQ panel+32(FP), DX
	MOVQ k+40(FP), CX
	MOVQ bias+48(FP), AX
	VBROADCASTSS 0(AX), Y0
	VMOVUPS Y0, Y1
	VBROADCASTSS 4(AX), Y2
	VMOVUPS Y2, Y3
	VBROADCASTSS 8(AX), Y4
	VMOVUPS Y4, Y5
	VBROADCASTSS 12(AX), Y6
	VMOVUPS Y6, Y7
	VBROADCASTSS 16(AX), Y8
	VMOVUPS Y8, Y9
	VBROADCASTSS 20(AX), Y10
	VMOVUPS Y10, Y11
	LEAQ (SI)(R9*1), R10
	LEAQ (R10)(R9*1), R11
	LEAQ (R11)(R9*1), R12
	LEAQ (R12)(R9*1), R13
	LEAQ (R13)(R9*1), BX
	XORQ AX, AX
loop:
	VMOVUPS 0(DX), Y12
	VMOVUPS 32(DX), Y13
	ROW2((SI)(AX*1), Y0, Y1)
	ROW2((R10)(AX*1), Y2, Y3)
	ROW2((R11)(AX*1), Y4, Y5)
	ROW2((R12)(AX*1), Y6, Y7)
	ROW2((R13)(AX*1), Y8, Y9)
	ROW2((BX)(AX*1), Y10, Y11)
	ADDQ $4, AX
	ADDQ $64, DX
	DECQ CX
	JNZ loop
	STORE2(Y0, Y1)
	STORE2(Y2, Y3)
	STORE2(Y4, Y5)
	STORE2(Y6, Y7)
	STORE2(Y8, Y9)
	STORE2(Y10, Y11)
	VZEROUPPER
	RET

// func convTile6(c *float32, ldc int, a *float32, lda int, x, x1 *float32, offs *int32, k int, bias *float32)
//
// gemmTile6 with the panel read in place: row p of the 16 columns is the
// 8 values at x + offs[p] bytes then the 8 at x1 + offs[p] (a
// convolution's zero-padded input at tap p's offset; x1 is x + 8 when
// the 16 columns are consecutive, or the start of the next output row's
// 8), not a packed k×16 panel. The same operations in the same order:
// bias[r] + Σ_p a[r·lda+p]·x[offs[p]+j], VMULPS then VADDPS. k >= 1.
TEXT ·convTile6(SB), NOSPLIT, $0-72
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	SHLQ $2, R8
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R9
	SHLQ $2, R9
	MOVQ x+32(FP), DX
	MOVQ x1+40(FP), R15
	MOVQ offs+48(FP), R14
	MOVQ k+56(FP), CX
	MOVQ bias+64(FP), AX
	VBROADCASTSS 0(AX), Y0
	VMOVUPS Y0, Y1
	VBROADCASTSS 4(AX), Y2
	VMOVUPS Y2, Y3
	VBROADCASTSS 8(AX), Y4
	VMOVUPS Y4, Y5
	VBROADCASTSS 12(AX), Y6
	VMOVUPS Y6, Y7
	VBROADCASTSS 16(AX), Y8
	VMOVUPS Y8, Y9
	VBROADCASTSS 20(AX), Y10
	VMOVUPS Y10, Y11
	LEAQ (SI)(R9*1), R10
	LEAQ (R10)(R9*1), R11
	LEAQ (R11)(R9*1), R12
	LEAQ (R12)(R9*1), R13
	LEAQ (R13)(R9*1), BX
	XORQ AX, AX
cloop:
	MOVLQSX (R14)(AX*1), R9
	VMOVUPS 0(DX)(R9*1), Y12
	VMOVUPS 0(R15)(R9*1), Y13
	ROW2((SI)(AX*1), Y0, Y1)
	ROW2((R10)(AX*1), Y2, Y3)
	ROW2((R11)(AX*1), Y4, Y5)
	ROW2((R12)(AX*1), Y6, Y7)
	ROW2((R13)(AX*1), Y8, Y9)
	ROW2((BX)(AX*1), Y10, Y11)
	ADDQ $4, AX
	DECQ CX
	JNZ cloop
	STORE2(Y0, Y1)
	STORE2(Y2, Y3)
	STORE2(Y4, Y5)
	STORE2(Y6, Y7)
	STORE2(Y8, Y9)
	STORE2(Y10, Y11)
	VZEROUPPER
	RET

// func convTile4(c *float32, ldc int, a *float32, lda int, x, x1 *float32, offs *int32, k int, bias *float32)
//
// convTile6 for 4 rows (a convolution's last rows when fewer than 6
// remain), the same order. k >= 1.
TEXT ·convTile4(SB), NOSPLIT, $0-72
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	SHLQ $2, R8
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R9
	SHLQ $2, R9
	MOVQ x+32(FP), DX
	MOVQ x1+40(FP), R15
	MOVQ offs+48(FP), R14
	MOVQ k+56(FP), CX
	MOVQ bias+64(FP), AX
	VBROADCASTSS 0(AX), Y0
	VMOVUPS Y0, Y1
	VBROADCASTSS 4(AX), Y2
	VMOVUPS Y2, Y3
	VBROADCASTSS 8(AX), Y4
	VMOVUPS Y4, Y5
	VBROADCASTSS 12(AX), Y6
	VMOVUPS Y6, Y7
	LEAQ (SI)(R9*1), R10
	LEAQ (R10)(R9*1), R11
	LEAQ (R11)(R9*1), R12
	XORQ AX, AX
cloop4:
	MOVLQSX (R14)(AX*1), R9
	VMOVUPS 0(DX)(R9*1), Y12
	VMOVUPS 0(R15)(R9*1), Y13
	ROW2((SI)(AX*1), Y0, Y1)
	ROW2((R10)(AX*1), Y2, Y3)
	ROW2((R11)(AX*1), Y4, Y5)
	ROW2((R12)(AX*1), Y6, Y7)
	ADDQ $4, AX
	DECQ CX
	JNZ cloop4
	STORE2(Y0, Y1)
	STORE2(Y2, Y3)
	STORE2(Y4, Y5)
	STORE2(Y6, Y7)
	VZEROUPPER
	RET
