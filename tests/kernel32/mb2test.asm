; Multiboot2 test kernel for Bulkhead's Multiboot loader (core/mbguest.c).
;
; The header carries an information request, an address tag and an entry
; address tag, so the loader copies the file bytes from the header's .text
; onwards without looking at the ELF headers (Multiboot2 specification 2.0,
; sections 3.1.4-3.1.6). At entry (section 3.3) the kernel checks EAX, then
; walks the boot information tags EBX points to (section 3.6) and reports on
; COM1, one line each:
;   PASS mb2-magic | PASS mb2-cmdline <text> | PASS mb2-loader <name> |
;   PASS mb2-module <name> <size> <first 4 bytes in hex> |
;   PASS mb2-mem lower=<KiB> upper=<KiB> |
;   PASS mb2-mmap 0x<base> 0x<length> <type> | PASS mb2-done | FAIL mb2-<what> ...
; and stops by writing the number of failures (0: clean) to port 0xf4.
;
; Built by the Makefile as ELF32 linked at 1 MiB; entry symbol _start.

bits 32

MB2_MAGIC	equ 0xE85250D6
MB2_LOADER	equ 0x36D76289
MB2_ARCH_I386	equ 0

COM1		equ 0x3f8
COM1_LSR	equ COM1 + 5
LSR_THRE	equ 0x20
EXIT_PORT	equ 0xf4

section .text
global _start

; Must lie 8-byte aligned within the first 32768 bytes of the file (3.1.1);
; it is the first byte of .text, so load_addr = header_addr. Tags are 8-byte
; aligned (3.1.3).
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header			; header_length
	dd 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	; Information request (3.1.4), not optional: the loader must refuse
	; the kernel if it cannot provide one of these.
	dw 1, 0
	dd 8 + 5 * 4
	dd 1, 2, 3, 4, 6	; cmdline, loader name, modules, meminfo, mmap
	align 8, db 0

	; Address tag (3.1.5)
	dw 2, 0
	dd 24
	dd mb2_header		; header_addr
	dd mb2_header		; load_addr
	dd load_end		; load_end_addr
	dd bss_end		; bss_end_addr

	; Entry address tag (3.1.6)
	dw 3, 0
	dd 12
	dd _start
	align 8, db 0

	; Module alignment tag (3.1.12): modules page aligned
	dw 6, 0
	dd 8

	; End tag
	dw 0, 0
	dd 8
mb2_header_end:

_start:
	; ESP is undefined at entry (3.3): use our own stack.
	mov esp, stack_top
	mov [boot_eax], eax
	mov [boot_ebx], ebx
	cld

	cmp dword [boot_eax], MB2_LOADER
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

	cmp dword [bss_probe], 0
	je .bss_ok
	mov esi, s_fail_bss
	call fail_line
.bss_ok:
	mov ebx, [boot_ebx]
	test ebx, 7			; the information is 8-byte aligned (3.6.1)
	jz .aligned
	mov esi, s_fail_align8
	call fail_line
	jmp finish
.aligned:
	mov edx, ebx
	add edx, [ebx]			; total_size: end of the information
	lea edi, [ebx + 8]		; first tag

.tag:
	lea eax, [edi + 8]
	cmp eax, edx
	jbe .tag_in
	mov esi, s_fail_walk
	call fail_line
	jmp .check
.tag_in:
	mov eax, [edi]			; type
	test eax, eax
	jz .check			; end tag
	cmp eax, 1
	je .cmdline
	cmp eax, 2
	je .loader
	cmp eax, 3
	je .module
	cmp eax, 4
	je .meminfo
	cmp eax, 6
	je .mmap
	jmp .next

.cmdline:
	or dword [seen], 1 << 1
	mov esi, s_pass_cmdline
	call puts
	lea esi, [edi + 8]
	call puts
	call newline
	jmp .next

.loader:
	or dword [seen], 1 << 2
	mov esi, s_pass_loader
	call puts
	lea esi, [edi + 8]
	call puts
	call newline
	jmp .next

.module:				; mod_start, mod_end, string (3.6.6)
	inc dword [nmods]
	test dword [edi + 8], 0xfff
	jz .mod_aligned
	mov esi, s_fail_modalign
	call fail_line
.mod_aligned:
	mov esi, s_pass_module
	call puts
	lea esi, [edi + 16]
	call puts
	call space
	mov eax, [edi + 12]
	sub eax, [edi + 8]
	call put_dec
	mov esi, [edi + 8]
	call put_first_bytes
	call newline
	jmp .next

.meminfo:				; mem_lower, mem_upper (3.6.8)
	or dword [seen], 1 << 4
	mov esi, s_pass_mem_lower
	call puts
	mov eax, [edi + 8]
	call put_dec
	mov esi, s_upper
	call puts
	mov eax, [edi + 12]
	call put_dec
	call newline
	jmp .next

.mmap:					; entry_size, entry_version, entries (3.6.8)
	or dword [seen], 1 << 6
	mov ecx, edi
	add ecx, [edi + 4]		; end of the tag
	lea esi, [edi + 16]
.entry:
	lea eax, [esi + 24]
	cmp eax, ecx
	ja .next
	push esi
	mov esi, s_pass_mmap
	call puts
	pop esi
	call put_hex64			; base_addr
	call space
	add esi, 8
	call put_hex64			; length
	call space
	mov eax, [esi + 8]		; type
	call put_dec
	call newline
	sub esi, 8
	add esi, [edi + 8]		; entry_size
	jmp .entry

.next:
	mov eax, [edi + 4]
	add eax, 7
	and eax, ~7
	add edi, eax
	jmp .tag

.check:
	cmp dword [seen], (1 << 1) | (1 << 2) | (1 << 4) | (1 << 6)
	je .seen_all
	mov esi, s_fail_missing
	call puts
	mov eax, [seen]
	call put_hex32
	call newline
	inc dword [fails]
.seen_all:
	cmp dword [nmods], 1
	je finish
	mov esi, s_fail_nmods
	call fail_line

%include "tests/kernel32/common.inc"

s_pass_magic:		db "PASS mb2-magic", 0
s_fail_magic:		db "FAIL mb2-magic eax=0x", 0
s_fail_bss:		db "FAIL mb2-bss not zeroed", 0
s_fail_align8:		db "FAIL mb2-info not 8-byte aligned", 0
s_fail_walk:		db "FAIL mb2-walk tags run past total_size", 0
s_pass_cmdline:		db "PASS mb2-cmdline ", 0
s_pass_loader:		db "PASS mb2-loader ", 0
s_fail_modalign:	db "FAIL mb2-module-align module not page aligned", 0
s_pass_module:		db "PASS mb2-module ", 0
s_pass_mem_lower:	db "PASS mb2-mem lower=", 0
s_upper:		db " upper=", 0
s_pass_mmap:		db "PASS mb2-mmap ", 0
s_fail_missing:		db "FAIL mb2-missing tags seen (bit per type) 0x", 0
s_fail_nmods:		db "FAIL mb2-modules expected exactly one", 0
s_pass_done:		db "PASS mb2-done", 0

load_end:

section .bss
alignb 16
stack:		resb 4096
stack_top:
boot_eax:	resd 1
boot_ebx:	resd 1
seen:		resd 1
nmods:		resd 1
fails:		resd 1
bss_probe:	resd 1
bss_end:
