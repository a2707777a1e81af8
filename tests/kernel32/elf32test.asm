; A plain ELF32 guest (no Multiboot header): Bulkhead enters it in 32-bit
; protected mode, paging off, with EAX = "BHBI" and EBX = the boot
; information (docs/guest-abi.md). Prints PASS/FAIL and stops through 0xf4.

bits 32
section .text
global _start
_start:
	mov esp, stack_top
	mov [saved_eax], eax
	mov [saved_ebx], ebx
	mov esi, msg_pass_magic
	cmp dword [saved_eax], 0x49424842
	je .m1
	mov esi, msg_fail_magic
	inc dword [failures]
.m1:	call puts
	mov ebx, [saved_ebx]
	mov esi, msg_pass_info
	cmp dword [ebx], 0x49424842	; the boot information's own magic
	je .m2
	mov esi, msg_fail_info
	inc dword [failures]
.m2:	call puts
	mov esi, msg_pass_mode
	mov eax, cr0
	test eax, 0x80000000		; paging must be off
	jz .m3
	mov esi, msg_fail_mode
	inc dword [failures]
.m3:	call puts
	mov eax, [failures]
	mov dx, 0xf4
	out dx, eax
.hang:	cli
	hlt
	jmp .hang

; puts: ESI = NUL-terminated string, to COM1 (poll LSR.THRE)
puts:
	mov dx, 0x3fd
.wait:	in al, dx
	test al, 0x20
	jz .wait
	lodsb
	test al, al
	jz .done
	mov dx, 0x3f8
	out dx, al
	mov dx, 0x3fd
	jmp .wait
.done:	ret

section .rodata
msg_pass_magic: db "PASS elf32-eax-magic", 10, 0
msg_fail_magic: db "FAIL elf32-eax-magic: EAX is not BHBI", 10, 0
msg_pass_info: db "PASS elf32-bootinfo", 10, 0
msg_fail_info: db "FAIL elf32-bootinfo: no boot information at EBX", 10, 0
msg_pass_mode: db "PASS elf32-paging-off", 10, 0
msg_fail_mode: db "FAIL elf32-paging-off: CR0.PG is set", 10, 0

section .bss
saved_eax: resd 1
saved_ebx: resd 1
failures: resd 1
resb 4096
stack_top:
