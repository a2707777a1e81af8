; Multiboot (v1) test kernel for Bulkhead's Multiboot loader (core/mbguest.c).
;
; The header uses the address fields (flag 16), so the loader copies the
; file bytes from the header's .text onwards without looking at the ELF
; headers (Multiboot 0.6.96 section 3.1.3). At entry (section 3.2) the kernel
; checks EAX, then walks the information structure EBX points to (section
; 3.3) and reports on COM1, one line each:
;   PASS mb1-magic | PASS mb1-mem lower=<KiB> upper=<KiB> |
;   PASS mb1-cmdline <text> | PASS mb1-loader <name> | PASS mb1-mods <n> |
;   PASS mb1-module <name> <size> <first 4 bytes in hex> |
;   PASS mb1-mmap 0x<base> 0x<length> <type> | PASS mb1-done | FAIL mb1-<what> ...
; and stops by writing the number of failures (0: clean) to port 0xf4.
;
; Built by the Makefile as ELF32 linked at 1 MiB; entry symbol _start.

bits 32

MB1_MAGIC	equ 0x1BADB002
MB1_LOADER	equ 0x2BADB002
; Bit 0: page-aligned modules, bit 1: memory information, bit 16: the
; address fields below are valid (section 3.1.2).
MB1_FLAGS	equ (1 << 0) | (1 << 1) | (1 << 16)

COM1		equ 0x3f8
COM1_LSR	equ COM1 + 5
LSR_THRE	equ 0x20
EXIT_PORT	equ 0xf4

section .text
global _start

; Must lie 4-byte aligned within the first 8192 bytes of the file; it is the
; first byte of .text, so load_addr = header_addr.
align 4
mb_header:
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd -(MB1_MAGIC + MB1_FLAGS)	; magic + flags + checksum = 0
	dd mb_header			; header_addr
	dd mb_header			; load_addr
	dd load_end			; load_end_addr: everything initialized is in .text
	dd bss_end			; bss_end_addr: the loader zeroes up to here
	dd _start			; entry_addr

_start:
	; ESP is undefined at entry (section 3.2): use our own stack.
	mov esp, stack_top
	mov [boot_eax], eax
	mov [boot_ebx], ebx
	cld

	cmp dword [boot_eax], MB1_LOADER
	je .magic_ok
	mov esi, s_fail_magic
	call puts
	mov eax, [boot_eax]
	call put_hex32
	call newline
	inc dword [fails]
	jmp finish
.magic_ok:
	mov esi, s_pass_magic
	call puts
	call newline

	; The bss must have been zeroed: check a word the loader never saw.
	cmp dword [bss_probe], 0
	je .bss_ok
	mov esi, s_fail_bss
	call fail_line
.bss_ok:
	mov ebx, [boot_ebx]
	mov eax, [ebx]
	mov [info_flags], eax

	; mem_lower / mem_upper (flag 0)
	test dword [info_flags], 1 << 0
	jnz .mem
	mov esi, s_fail_mem
	call fail_line
	jmp .mem_done
.mem:
	mov esi, s_pass_mem_lower
	call puts
	mov eax, [ebx + 4]
	call put_dec
	mov esi, s_upper
	call puts
	mov eax, [ebx + 8]
	call put_dec
	call newline
.mem_done:

	; cmdline (flag 2)
	test dword [info_flags], 1 << 2
	jnz .cmdline
	mov esi, s_fail_cmdline
	call fail_line
	jmp .cmdline_done
.cmdline:
	mov esi, s_pass_cmdline
	call puts
	mov esi, [ebx + 16]
	call puts
	call newline
.cmdline_done:

	; boot_loader_name (flag 9)
	test dword [info_flags], 1 << 9
	jz .loader_done
	mov esi, s_pass_loader
	call puts
	mov esi, [ebx + 64]
	call puts
	call newline
.loader_done:

	; mods_count / mods_addr (flag 3): 16-byte entries mod_start, mod_end,
	; string, reserved.
	test dword [info_flags], 1 << 3
	jnz .mods
	mov esi, s_fail_mods
	call fail_line
	jmp .mods_done
.mods:
	mov esi, s_pass_mods
	call puts
	mov eax, [ebx + 20]
	call put_dec
	call newline
	mov ecx, [ebx + 20]
	mov edi, [ebx + 24]
.mod_loop:
	test ecx, ecx
	jz .mods_done
	test dword [edi], 0xfff		; flag 0 asked for page alignment
	jz .mod_aligned
	mov esi, s_fail_align
	call fail_line
.mod_aligned:
	mov esi, s_pass_module
	call puts
	mov esi, [edi + 8]
	call puts
	call space
	mov eax, [edi + 4]
	sub eax, [edi]
	call put_dec
	mov esi, [edi]
	call put_first_bytes
	call newline
	add edi, 16
	dec ecx
	jmp .mod_loop
.mods_done:

	; mmap_length / mmap_addr (flag 6): entries size, base_addr, length,
	; type; `size` does not count itself.
	test dword [info_flags], 1 << 6
	jnz .mmap
	mov esi, s_fail_mmap
	call fail_line
	jmp finish
.mmap:
	mov edi, [ebx + 48]
	mov ecx, edi
	add ecx, [ebx + 44]		; end of the map
.mmap_loop:
	cmp edi, ecx
	jae finish
	mov esi, s_pass_mmap
	call puts
	lea esi, [edi + 4]
	call put_hex64
	call space
	lea esi, [edi + 12]
	call put_hex64
	call space
	mov eax, [edi + 20]
	call put_dec
	call newline
	mov eax, [edi]
	lea edi, [edi + eax + 4]
	jmp .mmap_loop

%include "tests/kernel32/common.inc"

s_pass_magic:		db "PASS mb1-magic", 0
s_fail_magic:		db "FAIL mb1-magic eax=0x", 0
s_fail_bss:		db "FAIL mb1-bss not zeroed", 0
s_pass_mem_lower:	db "PASS mb1-mem lower=", 0
s_upper:		db " upper=", 0
s_fail_mem:		db "FAIL mb1-mem flag 0 clear", 0
s_pass_cmdline:		db "PASS mb1-cmdline ", 0
s_fail_cmdline:		db "FAIL mb1-cmdline flag 2 clear", 0
s_pass_loader:		db "PASS mb1-loader ", 0
s_pass_mods:		db "PASS mb1-mods ", 0
s_fail_mods:		db "FAIL mb1-mods flag 3 clear", 0
s_fail_align:		db "FAIL mb1-module-align module not page aligned", 0
s_pass_module:		db "PASS mb1-module ", 0
s_pass_mmap:		db "PASS mb1-mmap ", 0
s_fail_mmap:		db "FAIL mb1-mmap flag 6 clear", 0
s_pass_done:		db "PASS mb1-done", 0

load_end:

section .bss
alignb 16
stack:		resb 4096
stack_top:
boot_eax:	resd 1
boot_ebx:	resd 1
info_flags:	resd 1
fails:		resd 1
bss_probe:	resd 1
bss_end:
