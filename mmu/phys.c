/*
 * mmu/phys.c — guest physical memory: one MAP_NORESERVE anonymous mapping.
 *
 * Untouched pages read as zero and cost the host nothing, so a layout that
 * spans a terabyte but touches a few megabytes is cheap.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "mmu.h"

int mmu_phys_init(struct mmu_phys *phys, uint64_t size, struct vmemsim_err *err)
{
	void *p;

	if (size == 0 || (size & 4095))
		return vmemsim_errf(err, VMEMSIM_EINVAL,
		                    "guest physical size %#llx is not a positive multiple of 4 KiB",
		                    (unsigned long long)size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
	         -1, 0);
	if (p == MAP_FAILED)
		return vmemsim_errf(err, VMEMSIM_ENOMEM,
		                    "cannot reserve %llu MiB of guest physical memory",
		                    (unsigned long long)(size >> 20));
	phys->base = p;
	phys->size = size;
	return 0;
}

void mmu_phys_fini(struct mmu_phys *phys)
{
	if (phys->base)
		munmap(phys->base, phys->size);
	phys->base = NULL;
	phys->size = 0;
}

uint64_t mmu_phys_resident(const struct mmu_phys *phys)
{
	/* mincore in 64 MiB chunks so the vector stays on the stack. */
	enum { CHUNK_PAGES = 16384 };
	unsigned char vec[CHUNK_PAGES];
	uint64_t resident = 0, off;
	long host_page = sysconf(_SC_PAGESIZE);

	if (host_page <= 0)
		host_page = 4096;
	for (off = 0; off < phys->size;) {
		uint64_t len = phys->size - off, i, pages;
		if (len > (uint64_t)CHUNK_PAGES * (uint64_t)host_page)
			len = (uint64_t)CHUNK_PAGES * (uint64_t)host_page;
		pages = (len + (uint64_t)host_page - 1) / (uint64_t)host_page;
		if (mincore(phys->base + off, len, vec) == 0)
			for (i = 0; i < pages; i++)
				resident += (vec[i] & 1) ? (uint64_t)host_page : 0;
		off += len;
	}
	return resident;
}
