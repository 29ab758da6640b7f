/* fw_sys_entry, the code every patched system call site reaches through its
 * stub (lib/site.c): it saves what the kernel would keep (every register but
 * rax, rcx and r11, and the SSE registers), calls fw_sys_handle with them,
 * and returns its result in rax. Its unwind information names the site, in
 * libc, as its caller, so that a thread cancelled in the middle of a call
 * unwinds through libc's own frames. The library (lib/patch.c) and the
 * audit module (lib/audit.c) each define it (FW_SYS_ENTRY, at file scope)
 * with a handler of their own. */
#ifndef FWATCH_ENTRY_H
#define FWATCH_ENTRY_H

#include <stdint.h>

/* What fw_sys_entry saved, in this order. */
struct fw_sysregs {
	long rdi, rsi, rdx, r10, r8, r9, rax;
	uint64_t site; /* the address of the site's syscall instruction */
};

long fw_sys_handle(struct fw_sysregs *r) __attribute__((visibility("hidden"), used));
void fw_sys_entry(void) __attribute__((visibility("hidden")));

/* Until the site is on the stack, the caller is found through the return
 * address into the stub, which holds it: DW_CFA_val_expression, the return
 * address column (16), 4 bytes: DW_OP_breg7 (rsp) 0, DW_OP_deref. That
 * is the address of the .quad; one more deref gives the site. _8: the same
 * with one word pushed (breg7 8). _STEPPED: once the return address has
 * been moved past the .quad, 8 before it (deref, lit8, minus, deref). */
#define FW_CFI_RA_FROM_STUB ".cfi_escape 0x16, 0x10, 0x04, 0x77, 0x00, 0x06, 0x06\n"
#define FW_CFI_RA_FROM_STUB_8 ".cfi_escape 0x16, 0x10, 0x04, 0x77, 0x08, 0x06, 0x06\n"
#define FW_CFI_RA_STEPPED ".cfi_escape 0x16, 0x10, 0x06, 0x77, 0x00, 0x06, 0x38, 0x1c, 0x06\n"

/* FAST: the library's own-call path. While a wrapper's real call is under
 * way (fw_self.in, lib/fwatch.h), the system call on its path (in the
 * first or second argument) or, for a call without one, on its descriptor
 * is the wrapper's own record's: it is made at once, with nothing saved
 * and nothing recorded, which is what most patched calls are. The audit
 * module, which has no wrapper, leaves it out. */
#define FW_SYS_ENTRY_FAST                                                      \
	"mov fw_self@gottpoff(%rip), %r11\n" \
	"mov %fs:" FW_STR(FW_THREAD_IN) "(%r11), %r11\n" \
	"test %r11, %r11\n" \
	"jz 1f\n" \
	"mov (%r11), %rcx\n" \
	"test %rcx, %rcx\n" \
	"jz 2f\n" \
	"cmp %rcx, %rdi\n" \
	"je 3f\n" \
	"cmp %rcx, %rsi\n" \
	"je 3f\n" \
	"jmp 1f\n" \
	"2: cmp 8(%r11), %edi\n" \
	"jne 1f\n" \
	"3: syscall\n" \
	".cfi_remember_state\n" \
	"addq $8, (%rsp)\n" \
	FW_CFI_RA_STEPPED \
	"ret\n" \
	".cfi_restore_state\n" \
	"1:\n"
#define FW_STR_(x) #x
#define FW_STR(x) FW_STR_(x)

#define FW_SYS_ENTRY(FAST)                                                     \
__asm__(".text\n" \
	".p2align 4\n" \
	".type fw_sys_entry,@function\n" \
	"fw_sys_entry:\n" \
	".cfi_startproc\n" \
	/* the stub moved past the red zone (128) and called (8) */ \
	".cfi_def_cfa_offset 136\n" \
	FW_CFI_RA_FROM_STUB \
	FAST \
	"push %rax\n" \
	".cfi_adjust_cfa_offset 8\n" \
	FW_CFI_RA_FROM_STUB_8 \
	"mov 8(%rsp), %rax\n"   /* the return address, in the stub */ \
	"mov (%rax), %rax\n"    /* the .quad there: the site */ \
	"push %rax\n" \
	".cfi_adjust_cfa_offset 8\n" \
	".cfi_offset %rip, -152\n" /* the caller is the site, in libc */ \
	"mov 8(%rsp), %rax\n" \
	"push %rbp\n" \
	".cfi_adjust_cfa_offset 8\n" \
	".cfi_offset %rbp, -160\n" \
	"mov %rsp, %rbp\n" \
	".cfi_def_cfa_register %rbp\n" \
	"and $-16, %rsp\n" \
	"sub $320, %rsp\n" \
	"mov %rdi, 0(%rsp)\n" \
	"mov %rsi, 8(%rsp)\n" \
	"mov %rdx, 16(%rsp)\n" \
	"mov %r10, 24(%rsp)\n" \
	"mov %r8, 32(%rsp)\n" \
	"mov %r9, 40(%rsp)\n" \
	"mov %rax, 48(%rsp)\n" \
	"mov 8(%rbp), %rax\n" \
	"mov %rax, 56(%rsp)\n" \
	"movups %xmm0, 64(%rsp)\n" \
	"movups %xmm1, 80(%rsp)\n" \
	"movups %xmm2, 96(%rsp)\n" \
	"movups %xmm3, 112(%rsp)\n" \
	"movups %xmm4, 128(%rsp)\n" \
	"movups %xmm5, 144(%rsp)\n" \
	"movups %xmm6, 160(%rsp)\n" \
	"movups %xmm7, 176(%rsp)\n" \
	"movups %xmm8, 192(%rsp)\n" \
	"movups %xmm9, 208(%rsp)\n" \
	"movups %xmm10, 224(%rsp)\n" \
	"movups %xmm11, 240(%rsp)\n" \
	"movups %xmm12, 256(%rsp)\n" \
	"movups %xmm13, 272(%rsp)\n" \
	"movups %xmm14, 288(%rsp)\n" \
	"movups %xmm15, 304(%rsp)\n" \
	"mov %rsp, %rdi\n" \
	"call fw_sys_handle\n" \
	"movups 64(%rsp), %xmm0\n" \
	"movups 80(%rsp), %xmm1\n" \
	"movups 96(%rsp), %xmm2\n" \
	"movups 112(%rsp), %xmm3\n" \
	"movups 128(%rsp), %xmm4\n" \
	"movups 144(%rsp), %xmm5\n" \
	"movups 160(%rsp), %xmm6\n" \
	"movups 176(%rsp), %xmm7\n" \
	"movups 192(%rsp), %xmm8\n" \
	"movups 208(%rsp), %xmm9\n" \
	"movups 224(%rsp), %xmm10\n" \
	"movups 240(%rsp), %xmm11\n" \
	"movups 256(%rsp), %xmm12\n" \
	"movups 272(%rsp), %xmm13\n" \
	"movups 288(%rsp), %xmm14\n" \
	"movups 304(%rsp), %xmm15\n" \
	"mov 0(%rsp), %rdi\n" \
	"mov 8(%rsp), %rsi\n" \
	"mov 16(%rsp), %rdx\n" \
	"mov 24(%rsp), %r10\n" \
	"mov 32(%rsp), %r8\n" \
	"mov 40(%rsp), %r9\n" \
	"mov %rbp, %rsp\n" \
	".cfi_def_cfa_register %rsp\n" \
	"pop %rbp\n" \
	".cfi_adjust_cfa_offset -8\n" \
	".cfi_restore %rbp\n" \
	"add $16, %rsp\n" \
	".cfi_adjust_cfa_offset -16\n" \
	FW_CFI_RA_FROM_STUB \
	"addq $8, (%rsp)\n" /* back past the .quad */ \
	FW_CFI_RA_STEPPED \
	"ret\n" \
	".cfi_endproc\n" \
	".size fw_sys_entry, .-fw_sys_entry\n")

#endif
