//go:build goexperiment.simd && amd64 && !wasip1

#include "textflag.h"

// func dwLanesRun(out, in, w, bias *float32, taps *dwTap, ntaps int, pos *dwPos, npos int)
//
// avx2DwConvLanes' sums for one class of outputs (one set of taps inside
// the plane): output p at out+pos[p].out (8 lanes, one channel each) is
// bias + Σ_t w[taps[t].w] · in[pos[p].in + taps[t].x], t in order, each
// product rounded before its addition (VMULPS then VADDPS, no FMA, the
// weight first as in the pure-Go loop's w·x): goDwConv's order, bit for
// bit. Offsets are in bytes. Four outputs at a time (four chains of
// additions in flight, Y0–Y3), then one at a time; Y4 holds the bias, Y5
// the tap's weight, Y6 the product.
TEXT ·dwLanesRun(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ bias+24(FP), AX
	VMOVUPS 0(AX), Y4
	MOVQ taps+32(FP), R8
	MOVQ ntaps+40(FP), R9
	SHLQ $4, R9
	MOVQ pos+48(FP), R10
	MOVQ npos+56(FP), CX

quad:
	CMPQ CX, $4
	JLT single
	MOVQ 8(R10), R11
	ADDQ SI, R11
	MOVQ 24(R10), R12
	ADDQ SI, R12
	MOVQ 40(R10), R13
	ADDQ SI, R13
	MOVQ 56(R10), R14
	ADDQ SI, R14
	VMOVUPS Y4, Y0
	VMOVUPS Y4, Y1
	VMOVUPS Y4, Y2
	VMOVUPS Y4, Y3
	XORQ BX, BX

qtap:
	CMPQ BX, R9
	JGE qdone
	MOVQ 0(R8)(BX*1), AX
	VMOVUPS (DX)(AX*1), Y5
	MOVQ 8(R8)(BX*1), AX
	VMULPS (R11)(AX*1), Y5, Y6
	VADDPS Y6, Y0, Y0
	VMULPS (R12)(AX*1), Y5, Y6
	VADDPS Y6, Y1, Y1
	VMULPS (R13)(AX*1), Y5, Y6
	VADDPS Y6, Y2, Y2
	VMULPS (R14)(AX*1), Y5, Y6
	VADDPS Y6, Y3, Y3
	ADDQ $16, BX
	JMP qtap

qdone:
	MOVQ 0(R10), AX
	VMOVUPS Y0, (DI)(AX*1)
	MOVQ 16(R10), AX
	VMOVUPS Y1, (DI)(AX*1)
	MOVQ 32(R10), AX
	VMOVUPS Y2, (DI)(AX*1)
	MOVQ 48(R10), AX
	VMOVUPS Y3, (DI)(AX*1)
	ADDQ $64, R10
	SUBQ $4, CX
	JMP quad

single:
	TESTQ CX, CX
	JEQ done
	MOVQ 8(R10), R11
	ADDQ SI, R11
	VMOVUPS Y4, Y0
	XORQ BX, BX

stap:
	CMPQ BX, R9
	JGE sdone
	MOVQ 0(R8)(BX*1), AX
	VMOVUPS (DX)(AX*1), Y5
	MOVQ 8(R8)(BX*1), AX
	VMULPS (R11)(AX*1), Y5, Y6
	VADDPS Y6, Y0, Y0
	ADDQ $16, BX
	JMP stap

sdone:
	MOVQ 0(R10), AX
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $16, R10
	DECQ CX
	JMP single

done:
	VZEROUPPER
	RET

// func lanesTranspose(dst *float32, dstRow, dstBlock int, src *float32, srcRow, srcBlock int, n int)
//
// Transposes n 8×8 blocks of float32 (moved, not computed: every bit
// kept): block b's row r is the 8 values at src + b·srcBlock + r·srcRow,
// and its column r goes to dst + b·dstBlock + r·dstRow (offsets in
// bytes). VSHUFPS within each 128-bit half, then VPERM2F128 across the
// halves; all 16 registers.
TEXT ·lanesTranspose(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ dstRow+8(FP), R8
	MOVQ dstBlock+16(FP), R9
	MOVQ src+24(FP), SI
	MOVQ srcRow+32(FP), R10
	MOVQ srcBlock+40(FP), R11
	MOVQ n+48(FP), CX
	LEAQ (R10)(R10*2), R12
	LEAQ (R8)(R8*2), R13

block:
	TESTQ CX, CX
	JEQ tdone
	MOVQ SI, AX
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R10*1), Y1
	VMOVUPS (AX)(R10*2), Y2
	VMOVUPS (AX)(R12*1), Y3
	LEAQ (AX)(R10*4), AX
	VMOVUPS (AX), Y4
	VMOVUPS (AX)(R10*1), Y5
	VMOVUPS (AX)(R10*2), Y6
	VMOVUPS (AX)(R12*1), Y7
	// Rows 0-3: Y0-Y3 become columns 0-3 (low halves) and 4-7 (high).
	VSHUFPS $0x44, Y1, Y0, Y8
	VSHUFPS $0xEE, Y1, Y0, Y9
	VSHUFPS $0x44, Y3, Y2, Y10
	VSHUFPS $0xEE, Y3, Y2, Y11
	VSHUFPS $0x88, Y10, Y8, Y0
	VSHUFPS $0xDD, Y10, Y8, Y1
	VSHUFPS $0x88, Y11, Y9, Y2
	VSHUFPS $0xDD, Y11, Y9, Y3
	// Rows 4-7 likewise in Y4-Y7.
	VSHUFPS $0x44, Y5, Y4, Y8
	VSHUFPS $0xEE, Y5, Y4, Y9
	VSHUFPS $0x44, Y7, Y6, Y10
	VSHUFPS $0xEE, Y7, Y6, Y11
	VSHUFPS $0x88, Y10, Y8, Y4
	VSHUFPS $0xDD, Y10, Y8, Y5
	VSHUFPS $0x88, Y11, Y9, Y6
	VSHUFPS $0xDD, Y11, Y9, Y7
	// Column j: the low halves of Yj and Yj+4; column j+4: the high.
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y9
	VPERM2F128 $0x20, Y5, Y1, Y10
	VPERM2F128 $0x31, Y5, Y1, Y11
	VPERM2F128 $0x20, Y6, Y2, Y12
	VPERM2F128 $0x31, Y6, Y2, Y13
	VPERM2F128 $0x20, Y7, Y3, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	MOVQ DI, BX
	VMOVUPS Y8, (BX)
	VMOVUPS Y10, (BX)(R8*1)
	VMOVUPS Y12, (BX)(R8*2)
	VMOVUPS Y14, (BX)(R13*1)
	LEAQ (BX)(R8*4), BX
	VMOVUPS Y9, (BX)
	VMOVUPS Y11, (BX)(R8*1)
	VMOVUPS Y13, (BX)(R8*2)
	VMOVUPS Y15, (BX)(R13*1)
	ADDQ R11, SI
	ADDQ R9, DI
	DECQ CX
	JMP block

tdone:
	VZEROUPPER
	RET
