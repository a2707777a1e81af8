; Start-up code for a guest's application processors. The guest copies this
; blob to AP_BASE (a page below 1 MiB) and sends INIT and a SIPI with vector
; AP_BASE >> 12: the AP starts in real mode at CS:IP = 0x1000:0 (SDM 9.4.4),
; uses the GDT and identity page tables the hypervisor put in low guest
; memory (docs/guest-abi.md) to reach 64-bit mode, and calls entry(arg) on
; the stack given in the parameter block at the blob's end.

AP_BASE equ 0x10000
%define A(x) (AP_BASE + (x) - ap_blob_start)

section .rodata
align 16
global ap_blob_start, ap_blob_end, ap_blob_params
ap_blob_start:
bits 16
	cli
	mov ax, cs
	mov ds, ax
	lgdt [ap_gdtr - ap_blob_start]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword 0x18:A(ap_pm32)
bits 32
ap_pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5
	mov cr4, eax
	mov eax, 0x1000
	mov cr3, eax
	mov ecx, 0xc0000080
	rdmsr
	or eax, (1 << 8) | (1 << 11)
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)
	mov cr0, eax
	jmp 0x08:A(ap_lm64)
bits 64
ap_lm64:
	mov rsp, [A(ap_stack)]
	mov rdi, [A(ap_arg)]
	mov rax, [A(ap_entry)]
	call rax
.dead:	cli
	hlt
	jmp .dead
align 8
ap_gdtr:
	dw 31
	dd 0x7000
align 8
ap_blob_params:
ap_stack:	dq 0
ap_arg:		dq 0
ap_entry:	dq 0
ap_blob_end:
