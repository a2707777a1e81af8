; VM entry and exit. vmx_enter(regs, launched) saves the host's callee-saved
; registers, points HOST_RSP at this frame, loads the guest GPRs and enters
; with VMLAUNCH or VMRESUME.
;
; A VM exit lands on vmx_exit (HOST_RIP), stores the guest GPRs and
; calls vmx_handle_exit(regs) (vmx/vmx_run.c) on the same frame. When that
; returns nonzero the entry path has nothing to do (no event, request or
; timer): the GPRs are reloaded and the guest resumed at once, the exit fast
; path. Otherwise vmx_enter returns 0 and the C loop prepares the next entry.
; A return of VMX_RESUME_SCRATCH means the handler wrote none of RBX, RBP,
; R12-R15 in the saved registers: those still hold the guest's values (the C
; code preserves them, as the ABI requires), so only the others are reloaded.
; A failed entry returns 1 (VMfailInvalid) or 2 (VMfailValid: read
; VMCS_INSN_ERROR).
;
; The guest's CR2, which the VMCS does not hold, is never saved or loaded:
; the host never page-faults (a host #PF is a panic), so the CPU's CR2 keeps
; the guest's value while the hypervisor runs. Code that changes it (a #PF
; injection, a vCPU (re)start) writes the CPU's CR2 on the vCPU's own CPU.

VMCS_HOST_RSP equ 0x6c14
VMX_RESUME_SCRATCH equ 2	; enum vmx_exit_verdict (vmx/vmx_run.c)

; struct guest_regs: gpr[16] in x86 register order
%define G(n) (n * 8)
R_RAX equ 0
R_RCX equ 1
R_RDX equ 2
R_RBX equ 3
R_RBP equ 5
R_RSI equ 6
R_RDI equ 7

; Loads the guest GPRs the C ABI lets a call clobber from the struct
; guest_regs at rdi (rdi last). Flags are left alone.
%macro LOAD_GUEST_SCRATCH_GPRS 0
	mov rax, [rdi + G(R_RAX)]
	mov rcx, [rdi + G(R_RCX)]
	mov rdx, [rdi + G(R_RDX)]
	mov rsi, [rdi + G(R_RSI)]
	mov r8,  [rdi + G(8)]
	mov r9,  [rdi + G(9)]
	mov r10, [rdi + G(10)]
	mov r11, [rdi + G(11)]
	mov rdi, [rdi + G(R_RDI)]
%endmacro

; Loads all guest GPRs from the struct guest_regs at rdi. Flags are left
; alone: vmx_enter tests them afterwards.
%macro LOAD_GUEST_GPRS 0
	mov rbx, [rdi + G(R_RBX)]
	mov rbp, [rdi + G(R_RBP)]
	mov r12, [rdi + G(12)]
	mov r13, [rdi + G(13)]
	mov r14, [rdi + G(14)]
	mov r15, [rdi + G(15)]
	LOAD_GUEST_SCRATCH_GPRS
%endmacro

section .text
global vmx_enter
global vmx_exit
extern vmx_handle_exit
vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi			; &regs, found again at [rsp] on exit
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	jbe .fail_early

	test esi, esi			; flags survive the MOVs below
	LOAD_GUEST_GPRS
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	; CF=1: VMfailInvalid, ZF=1: VMfailValid
	mov eax, 2
	mov ecx, 1
	cmovc eax, ecx
	jmp .out
.fail_early:
	mov eax, 2
.out:
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

vmx_exit:
	push rdi
	mov rdi, [rsp + 8]
	mov [rdi + G(R_RAX)], rax
	mov [rdi + G(R_RCX)], rcx
	mov [rdi + G(R_RDX)], rdx
	mov [rdi + G(R_RBX)], rbx
	mov [rdi + G(R_RBP)], rbp
	mov [rdi + G(R_RSI)], rsi
	mov [rdi + G(8)], r8
	mov [rdi + G(9)], r9
	mov [rdi + G(10)], r10
	mov [rdi + G(11)], r11
	mov [rdi + G(12)], r12
	mov [rdi + G(13)], r13
	mov [rdi + G(14)], r14
	mov [rdi + G(15)], r15
	pop rax
	mov [rdi + G(R_RDI)], rax
	; HOST_RSP is 16-byte aligned (vmx_enter's seven pushes follow a call),
	; as the ABI wants at a call. rdi = &regs = the vcpu.
	call vmx_handle_exit
	mov rdi, [rsp]
	cmp eax, VMX_RESUME_SCRATCH
	jne .full
	LOAD_GUEST_SCRATCH_GPRS
	vmresume
	jmp vmx_enter.failed
.full:
	test eax, eax
	jz .to_loop
	LOAD_GUEST_GPRS
	vmresume
	jmp vmx_enter.failed
.to_loop:
	xor eax, eax
	jmp vmx_enter.out
