/*
 * emu/emu_report.c — what a user sees when a run goes wrong or is hot:
 * fault reports (address, instruction, the walk that failed) and hot spots
 * (the PCs and functions behind TLB misses and walk cycles), each
 * symbolized and disassembled.
 */
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

int emu_disasm(const struct emu *e, uint64_t va, char *buf, size_t len)
{
	uint8_t code[15];
	size_t n = 0;
	/* read as much of the longest instruction as is mapped */
	while (n < sizeof(code) && emu_read(e, va + n, code + n, 1, NULL) == 0)
		n++;
	if (!n) {
		snprintf(buf, len, "??");
		return VMEMSIM_EFAULT;
	}
	const uint8_t *p = code;
	uint64_t addr = va;
	if (!e->csi || !cs_disasm_iter(e->cs, &p, &n, &addr, e->csi)) {
		snprintf(buf, len, "??");
		return VMEMSIM_ECORRUPT;
	}
	if (e->csi->op_str[0])
		snprintf(buf, len, "%s %s", e->csi->mnemonic, e->csi->op_str);
	else
		snprintf(buf, len, "%s", e->csi->mnemonic);
	return 0;
}

void emu_fault_fill(struct emu *e, uint64_t va, uint64_t pc, uint32_t size,
                    enum mmu_access_type type)
{
	struct emu_fault_report *r = &e->fault;
	r->va = va;
	r->pc = pc;
	r->size = size;
	r->type = type;
	if (r->uc_err)
		snprintf(r->uc_msg, sizeof(r->uc_msg), "%s", uc_strerror((uc_err)r->uc_err));
	emu_symbolize(e, pc, r->symbol, sizeof(r->symbol), NULL);
	emu_disasm(e, pc, r->insn, sizeof(r->insn));
}

static const char *type_name(enum mmu_access_type t)
{
	switch (t) {
	case MMU_FETCH: return "fetch";
	case MMU_LOAD: return "load";
	case MMU_STORE: return "store";
	}
	return "access";
}

static const char *level_entry_name(enum mmu_level l)
{
	switch (l) {
	case MMU_LEVEL_PML5: return "PML5E";
	case MMU_LEVEL_PML4: return "PML4E";
	case MMU_LEVEL_PDPT: return "PDPTE";
	case MMU_LEVEL_PD: return "PDE";
	case MMU_LEVEL_PT: return "PTE";
	}
	return "?";
}

/* snprintf that appends at *pos and keeps counting past the end. */
#define APPEND(buf, len, pos, ...)                                                                 \
	do {                                                                                       \
		int n_ = snprintf((pos) < (len) ? (buf) + (pos) : NULL,                            \
		                  (pos) < (len) ? (len) - (pos) : 0, __VA_ARGS__);                 \
		(pos) += n_ > 0 ? (size_t)n_ : 0;                                                  \
	} while (0)

static void format_walk(const struct mmu_fault *w, char *buf, size_t len, size_t *pos)
{
	uint32_t ec = w->error_code;
	if (ec & MMU_FAULT_NONCANONICAL) {
		APPEND(buf, len, *pos, "\n  non-canonical address (#GP on hardware)");
		return;
	}
	if (ec & MMU_FAULT_BADPHYS)
		APPEND(buf, len, *pos, "\n  a paging structure lies outside guest memory");
	ec &= ~(MMU_FAULT_NONCANONICAL | MMU_FAULT_BADPHYS);
	APPEND(buf, len, *pos, "\n  #PF error code 0x%x (%s, %s, %s%s%s)", ec,
	       ec & PF_P ? "protection violation" : "not present",
	       ec & PF_I   ? "instruction fetch"
	       : ec & PF_W ? "write"
	                   : "read",
	       ec & PF_U ? "user" : "supervisor", ec & PF_RSVD ? ", reserved bit set" : "", "");
	if (!w->nr_steps)
		return;
	APPEND(buf, len, *pos, "\n  walk:");
	for (unsigned i = 0; i < w->nr_steps && i < 5; i++) {
		uint64_t pte = w->steps[i].pte;
		APPEND(buf, len, *pos, "%s %s @pa 0x%llx = 0x%016llx%s", i ? " ->" : "",
		       level_entry_name(w->steps[i].level), (unsigned long long)w->steps[i].pte_pa,
		       (unsigned long long)pte, pte & PTE_P ? "" : " (not present)");
	}
}

size_t emu_fault_format(const struct emu_fault_report *r, char *buf, size_t len)
{
	size_t pos = 0;
	if (len)
		buf[0] = 0;
	if (r->have_walk)
		APPEND(buf, len, pos, "page fault: %s", type_name(r->type));
	else if (r->uc_msg[0])
		APPEND(buf, len, pos, "unicorn: %s: %s", r->uc_msg, type_name(r->type));
	else
		APPEND(buf, len, pos, "stopped: %s", type_name(r->type));
	if (r->size)
		APPEND(buf, len, pos, " of %u bytes", r->size);
	APPEND(buf, len, pos, " at va 0x%llx, pc 0x%llx <%s>: %s", (unsigned long long)r->va,
	       (unsigned long long)r->pc, r->symbol, r->insn);
	if (r->have_walk)
		format_walk(&r->walk, buf, len, &pos);
	return pos;
}

/* ---- hot spots --------------------------------------------------------- */

unsigned emu_hotspots(const struct emu *e, struct emu_hotspot *out, unsigned n)
{
	if (!e->mmu || !n)
		return 0;
	struct mmu_hotspot *h = malloc(n * sizeof(*h));
	if (!h)
		return 0;
	unsigned got = mmu_hotspots(e->mmu, h, n);
	for (unsigned i = 0; i < got; i++) {
		out[i].h = h[i];
		emu_symbolize(e, h[i].pc, out[i].symbol, sizeof(out[i].symbol), NULL);
		emu_disasm(e, h[i].pc, out[i].insn, sizeof(out[i].insn));
	}
	free(h);
	return got;
}

static int fn_cmp(const void *a, const void *b)
{
	const struct emu_hotspot_fn *x = a, *y = b;
	if (x->walk_cycles != y->walk_cycles)
		return x->walk_cycles < y->walk_cycles ? 1 : -1;
	if (x->walks != y->walks)
		return x->walks < y->walks ? 1 : -1;
	return strcmp(x->symbol, y->symbol);
}

#define EMU_HOTSPOT_SCAN 65536 /* PCs aggregated into functions */

unsigned emu_hotspot_functions(const struct emu *e, struct emu_hotspot_fn *out, unsigned n)
{
	if (!e->mmu || !n)
		return 0;
	struct mmu_hotspot *h = malloc(EMU_HOTSPOT_SCAN * sizeof(*h));
	struct emu_hotspot_fn *fns = NULL;
	unsigned nfn = 0, got = h ? mmu_hotspots(e->mmu, h, EMU_HOTSPOT_SCAN) : 0;
	if (!got || !(fns = calloc(got, sizeof(*fns))))
		goto out;
	for (unsigned i = 0; i < got; i++) {
		char name[96];
		uint64_t off;
		if (emu_symbolize(e, h[i].pc, name, sizeof(name), &off))
			snprintf(name, sizeof(name), "?");
		else
			name[strcspn(name, "+")] = 0;
		unsigned j = 0;
		while (j < nfn && strcmp(fns[j].symbol, name))
			j++;
		if (j == nfn)
			snprintf(fns[nfn++].symbol, sizeof(fns[0].symbol), "%s", name);
		fns[j].dtlb_misses += h[i].dtlb_misses;
		fns[j].itlb_misses += h[i].itlb_misses;
		fns[j].walks += h[i].walks;
		fns[j].walk_cycles += h[i].walk_cycles;
		fns[j].nr_pcs++;
	}
	qsort(fns, nfn, sizeof(*fns), fn_cmp);
	if (nfn > n)
		nfn = n;
	memcpy(out, fns, nfn * sizeof(*fns));
out:
	free(h);
	free(fns);
	return nfn;
}
