//go:build amd64 && !purego

package frame

// The standard library keeps its CPU feature bits in internal/cpu, which other modules cannot
// import, and golang.org/x/sys/cpu is a dependency we do not take. So the check is done by
// hand: two one-instruction assembly helpers (mask_cpu_amd64.s) and the rules from the Intel SDM
// (vol. 1 §14.3, "Detection of Intel AVX instructions") applied here.

// CPUID and XCR0 bits used by detectAVX2.
const (
	cpuidOSXSAVE = 1 << 27 // leaf 1, ECX: the OS has enabled XGETBV and XSAVE
	cpuidAVX     = 1 << 28 // leaf 1, ECX
	cpuidAVX2    = 1 << 5  // leaf 7 subleaf 0, EBX
	xcr0SSE      = 1 << 1  // the OS saves XMM state
	xcr0AVX      = 1 << 2  // the OS saves the upper halves of YMM
)

// detectAVX2 reports whether AVX2 instructions may be used: the CPU must have them and the
// OS must save YMM state, or a context switch would corrupt the upper register halves.
func detectAVX2() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	if ecx1&(cpuidOSXSAVE|cpuidAVX) != cpuidOSXSAVE|cpuidAVX {
		return false
	}
	if xcr0()&(xcr0SSE|xcr0AVX) != xcr0SSE|xcr0AVX {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&cpuidAVX2 != 0
}

// cpuid executes CPUID with EAX=leaf and ECX=subleaf.
func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// xcr0 returns the low 32 bits of extended control register 0; it must only be called
// when CPUID reports OSXSAVE.
func xcr0() uint32
