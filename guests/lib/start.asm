; Guest entry: 64-bit mode, RDI = boot information (docs/guest-abi.md).
; Sets up a stack in the guest's image, calls main(bootinfo), then shuts the
; guest down with main's return value as its status.
section .text.start
bits 64
global _start
extern guest_main
_start:
	mov rsp, guest_stack_top
	call guest_main
	mov rdi, rax
	mov eax, 2		; HC_SHUTDOWN
	vmcall
.hang:	cli
	hlt
	jmp .hang

section .bss
align 16
guest_stack:	resb 16384
guest_stack_top:
