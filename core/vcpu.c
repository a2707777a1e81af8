/* Vendor-neutral vCPU services used outside the run loop. */
#include <arch/x86_64/cpu.h>
#include <arch/x86_64/tsc.h>
#include <core/percpu.h>
#include <core/vm.h>
#include <lib/string.h>

bool vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *out)
{
	if (!v->vmcs_ready)
		return false;
	if (percpus[v->pcpu] == this_cpu()) {
		/* Its VMCS is the current one on this CPU. */
		arch_vcpu_snapshot(v, out);
		return true;
	}
	uint32_t seq = __atomic_load_n(&v->snap_seq, __ATOMIC_ACQUIRE);
	vcpu_request(v, VCPU_REQ_SNAPSHOT);
	uint64_t end = rdtsc() + tsc_hz / 10;
	while (__atomic_load_n(&v->snap_seq, __ATOMIC_ACQUIRE) == seq)
		if (rdtsc() > end)
			return false;
	memcpy(out, &v->snap, sizeof(*out));
	return true;
}
