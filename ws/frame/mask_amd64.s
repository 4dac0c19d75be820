//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 and the SSE2 loop both XOR a vector register holding the rotated key, repeated,
// into the payload. Loads and stores are unaligned (the payload is any subslice), and the
// count they cover is len(b) rounded down to 16, so the key position of the tail that Mask
// handles in Go is unchanged. Registers: SI walks b, CX counts the bytes left.

// func maskBulk(b []byte, key uint32) int
TEXT ·maskBulk(SB), NOSPLIT, $0-40
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	ANDQ $~15, CX
	MOVQ CX, ret+32(FP)
	MOVL key+24(FP), AX
	MOVD AX, X0
	CMPB ·hasAVX2(SB), $0
	JEQ  sse2

	VPBROADCASTD X0, Y0

avx2Loop128:
	CMPQ CX, $128
	JB   avx2Loop32
	// VEX-encoded VPXOR accepts unaligned memory operands, saving a separate load.
	VPXOR   0(SI), Y0, Y1
	VPXOR   32(SI), Y0, Y2
	VPXOR   64(SI), Y0, Y3
	VPXOR   96(SI), Y0, Y4
	VMOVDQU Y1, 0(SI)
	VMOVDQU Y2, 32(SI)
	VMOVDQU Y3, 64(SI)
	VMOVDQU Y4, 96(SI)
	ADDQ    $128, SI
	SUBQ    $128, CX
	JMP     avx2Loop128

avx2Loop32:
	CMPQ    CX, $32
	JB      avx2Last16
	VPXOR   0(SI), Y0, Y1
	VMOVDQU Y1, 0(SI)
	ADDQ    $32, SI
	SUBQ    $32, CX
	JMP     avx2Loop32

avx2Last16:
	TESTQ   CX, CX
	JZ      avx2Done
	VPXOR   0(SI), X0, X1
	VMOVDQU X1, 0(SI)

avx2Done:
	// Leaving dirty upper YMM halves would slow down any SSE code the caller runs next.
	VZEROUPPER
	RET

sse2:
	PSHUFD $0, X0, X0

sse2Loop64:
	CMPQ CX, $64
	JB   sse2Loop16
	// Legacy-encoded PXOR faults on unaligned memory operands, so load with MOVOU first.
	MOVOU 0(SI), X1
	MOVOU 16(SI), X2
	MOVOU 32(SI), X3
	MOVOU 48(SI), X4
	PXOR  X0, X1
	PXOR  X0, X2
	PXOR  X0, X3
	PXOR  X0, X4
	MOVOU X1, 0(SI)
	MOVOU X2, 16(SI)
	MOVOU X3, 32(SI)
	MOVOU X4, 48(SI)
	ADDQ  $64, SI
	SUBQ  $64, CX
	JMP   sse2Loop64

sse2Loop16:
	TESTQ CX, CX
	JZ    sse2Done
	MOVOU 0(SI), X1
	PXOR  X0, X1
	MOVOU X1, 0(SI)
	ADDQ  $16, SI
	SUBQ  $16, CX
	JMP   sse2Loop16

sse2Done:
	RET
