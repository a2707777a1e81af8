; A raw (flat binary) guest: loaded at 0x200000 and entered there in 64-bit
; mode with RDI = the boot information (docs/guest-abi.md). Prints and shuts
; itself down with the HC_SHUTDOWN hypercall.
bits 64
org 0x200000
start:
	mov rsp, 0x80000
	xor ebx, ebx			; failures
	lea rsi, [rel pass_rdi]
	cmp rdi, 0x8000
	je .a
	lea rsi, [rel fail_rdi]
	inc ebx
.a:	call puts
	lea rsi, [rel pass_magic]
	cmp dword [rdi], 0x49424842
	je .b
	lea rsi, [rel fail_magic]
	inc ebx
.b:	call puts
	mov eax, 2			; HC_SHUTDOWN
	mov edi, ebx
	vmcall
.hang:	cli
	hlt
	jmp .hang

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

pass_rdi: db "PASS raw-rdi-bootinfo", 10, 0
fail_rdi: db "FAIL raw-rdi-bootinfo: RDI is not 0x8000", 10, 0
pass_magic: db "PASS raw-bootinfo-magic", 10, 0
fail_magic: db "FAIL raw-bootinfo-magic", 10, 0
