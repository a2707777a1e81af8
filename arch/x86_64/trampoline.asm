; Application-processor start-up code. The BSP copies this blob to physical
; TRAMP_BASE (below 1 MiB, page aligned), fills in the parameter block at its
; end, and sends INIT-SIPI-SIPI with vector TRAMP_BASE >> 12. The AP starts in
; real mode at TRAMP_BASE (SDM 9.4.4 / 11.6.1), goes through protected mode to
; long mode on the hypervisor's page tables, and calls entry(arg) on its own
; stack.

TRAMP_BASE equ 0x8000
%define T(x) (TRAMP_BASE + (x) - trampoline_start)

section .rodata
align 16
global trampoline_start, trampoline_end, trampoline_params
trampoline_start:
bits 16
	cli
	cld
	xor ax, ax
	mov ds, ax
	lgdt [T(tr_gdt_ptr)]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword 0x18:T(tr_pm32)

bits 32
tr_pm32:
	mov ax, 0x20
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, [T(tr_cr3)]
	mov cr3, eax
	mov ecx, 0xC0000080
	rdmsr
	or eax, (1 << 8) | (1 << 11)	; LME, NXE
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | (1 << 5)	; PG, WP, NE
	mov cr0, eax
	jmp 0x08:T(tr_lm64)

bits 64
tr_lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, [T(tr_stack)]
	mov rdi, [T(tr_arg)]
	mov rax, [T(tr_entry)]
	call rax
.dead:	cli
	hlt
	jmp .dead

align 16
tr_gdt:
	dq 0
	dq 0x00AF9A000000FFFF	; 0x08 64-bit code
	dq 0x00CF92000000FFFF	; 0x10 data
	dq 0x00CF9A000000FFFF	; 0x18 32-bit code
	dq 0x00CF92000000FFFF	; 0x20 32-bit data
tr_gdt_ptr:
	dw 5 * 8 - 1
	dd T(tr_gdt)

align 8
trampoline_params:
tr_cr3:		dq 0
tr_stack:	dq 0
tr_arg:		dq 0
tr_entry:	dq 0
trampoline_end:
