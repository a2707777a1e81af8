; Guest exception entry stubs (guests/lib/idt.c installs them).
; Every vector gets a stub that makes the frame uniform: vectors the CPU
; gives no error code push a 0 in its place, then every stub pushes its
; vector number. exc_common saves the GPRs, calls exc_dispatch(frame) with a
; 16-byte aligned stack, restores them and returns with IRETQ; the C side
; may change the saved RIP/RSP (struct exc_frame in guest.h).
;
; Frame, from the lowest address: r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi
; rdx rcx rbx rax, vector, error, then the CPU's rip cs rflags rsp ss.
; 64-bit interrupt delivery aligns RSP to 16 before pushing ss, so with the
; 15 GPRs + vector + error + 5 CPU words (22 words, 176 bytes) the call
; below is made with RSP 16-byte aligned, as the SysV ABI wants.
bits 64
section .text

extern exc_dispatch


exc_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	cld
	call exc_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16		; vector and error code
	iretq

%assign v 0
%rep 256
exc_stub_ %+ v:
%if v = 8 || v = 10 || v = 11 || v = 12 || v = 13 || v = 14 || v = 17 || v = 21 || v = 29 || v = 30
	push qword v		; the CPU pushed an error code
%else
	push qword 0		; no error code: a 0 takes its place
	push qword v
%endif
	jmp exc_common
%assign v v + 1
%endrep

; exc_stub_table[v] = address of vector v's stub.
section .rodata
align 8
global exc_stub_table
exc_stub_table:
%assign v 0
%rep 256
	dq exc_stub_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
