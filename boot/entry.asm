; Multiboot2 header and the 32-bit entry: check for long mode, build an early
; identity map of the first 4 GiB (2 MiB pages), enter 64-bit mode and call
; boot_main(magic, info). GRUB enters here in 32-bit protected mode, paging
; off, EAX = 0x36D76289, EBX = physical address of the boot information
; (Multiboot2 spec 3.3), under BIOS and UEFI alike.

MB2_MAGIC	equ 0xE85250D6
MB2_ARCH_I386	equ 0

section .multiboot2
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; information request: cmdline, modules, memory map, ACPI old/new, EFI mmap
align 8
.req:	dw 1, 0
	dd .req_end - .req
	dd 1, 3, 6, 14, 15, 17
.req_end:
align 8
	; module alignment: page-aligned modules
	dw 6, 0
	dd 8
align 8
	dw 0, 0
	dd 8
mb2_header_end:

section .bss
align 4096
global early_pml4, early_pdpt
early_pml4:	resb 4096
early_pdpt:	resb 4096
early_pd:	resb 4096 * 4
global boot_stack_top
boot_stack:	resb 16384
boot_stack_top:

section .rodata
align 16
gdt64:
	dq 0
	dq 0x00AF9A000000FFFF	; 0x08: 64-bit code
	dq 0x00CF92000000FFFF	; 0x10: data
gdt64_end:
gdt64_ptr:
	dw gdt64_end - gdt64 - 1
	dq gdt64

section .text.boot
bits 32
global _start
_start:
	cli
	cld
	mov esp, boot_stack_top
	mov edi, eax		; magic
	mov esi, ebx		; info

	; long mode available? (CPUID 0x80000001 EDX bit 29)
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_lm
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_lm

	; PML4[0] -> PDPT, PDPT[0..3] -> 4 PDs of 2 MiB pages: 0..4 GiB
	mov eax, early_pdpt
	or eax, 3
	mov [early_pml4], eax
	xor ecx, ecx
.pdpt:	mov eax, ecx
	shl eax, 12
	add eax, early_pd
	or eax, 3
	mov [early_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt
	xor ecx, ecx
.pd:	mov eax, ecx
	shl eax, 21
	or eax, 0x83		; present, writable, 2 MiB
	mov [early_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11		; high dword: (i * 2 MiB) >> 32
	mov [early_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .pd

	mov eax, early_pml4
	mov cr3, eax
	mov eax, cr4
	or eax, (1 << 5)	; PAE
	mov cr4, eax
	mov ecx, 0xC0000080	; EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11)	; LME, NXE
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | (1 << 5) | 1	; PG, WP, NE, PE
	mov cr0, eax
	lgdt [gdt64_ptr]
	jmp 0x08:.long

.no_lm:
	; no long mode: say so on COM1 (already set up by GRUB) and stop
	mov esi, no_lm_msg
.putc:	lodsb
	test al, al
	jz .halt
	mov dx, 0x3F8
	out dx, al
	jmp .putc
.halt:	hlt
	jmp .halt

bits 64
.long:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	mov edi, edi		; upper halves are undefined after the mode switch
	mov esi, esi
	extern boot_main
	call boot_main		; (rdi = magic, rsi = info)
.dead:	cli
	hlt
	jmp .dead

section .rodata
no_lm_msg: db "bulkhead: this CPU has no 64-bit long mode; cannot run", 13, 10, 0
