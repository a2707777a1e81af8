/* VMX instructions as C functions. */
#ifndef VMX_VMX_OPS_H
#define VMX_VMX_OPS_H
#include <lib/types.h>

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;
	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}

/* Returns false when the write failed (VMfailValid/VMfailInvalid). */
static inline bool vmwrite(uint64_t field, uint64_t v)
{
	bool ok;
	__asm__ volatile("vmwrite %2, %1; seta %0" : "=qm"(ok) : "r"(field), "rm"(v) : "cc");
	return ok;
}

/* For the exit path's writes of guest-state fields of the current VMCS,
 * which cannot fail: no status to collect. */
static inline void vmwrite_nofail(uint64_t field, uint64_t v)
{
	__asm__ volatile("vmwrite %1, %0" : : "r"(field), "rm"(v) : "cc");
}

static inline bool vmxon(uint64_t phys)
{
	bool ok;
	__asm__ volatile("vmxon %1; seta %0" : "=qm"(ok) : "m"(phys) : "cc", "memory");
	return ok;
}

static inline bool vmclear(uint64_t phys)
{
	bool ok;
	__asm__ volatile("vmclear %1; seta %0" : "=qm"(ok) : "m"(phys) : "cc", "memory");
	return ok;
}

static inline bool vmptrld(uint64_t phys)
{
	bool ok;
	__asm__ volatile("vmptrld %1; seta %0" : "=qm"(ok) : "m"(phys) : "cc", "memory");
	return ok;
}

/* INVEPT / INVVPID (SDM 30.3): type 1 = single context, 2 = all contexts. */
static inline void invept(uint64_t type, uint64_t eptp)
{
	struct {
		uint64_t eptp, zero;
	} desc = { eptp, 0 };
	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static inline void invvpid(uint64_t type, uint16_t vpid, uint64_t addr)
{
	struct {
		uint64_t vpid, addr;
	} desc = { vpid, addr };
	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

#endif
