/*
 * workloads/guest_blobs.c — the guest images, embedded.
 *
 * Each per-model ELF built by workloads/CMakeLists.txt is pulled into
 * .rodata with .incbin, so the `vmemsim` binary carries its guests and runs
 * from any directory.  WL_GUEST_ELF_DIR is the build directory holding them.
 */
#include <stddef.h>
#include <stdint.h>

#include "workloads.h"

#define WL_BLOB(sym, file)                                                                         \
	__asm__(".section .rodata\n"                                                               \
	        ".balign 64\n"                                                                     \
	        ".globl " #sym "_start\n" #sym "_start:\n"                                         \
	        ".incbin \"" WL_GUEST_ELF_DIR "/" file "\"\n"                                      \
	        ".globl " #sym "_end\n" #sym "_end:\n"                                             \
	        ".previous\n")

WL_BLOB(wl_blob_flatmem, "guest-flatmem.elf");
WL_BLOB(wl_blob_sparse_static, "guest-sparse-static.elf");
WL_BLOB(wl_blob_sparse_extreme, "guest-sparse-extreme.elf");
WL_BLOB(wl_blob_vmemmap_4k, "guest-vmemmap-4k.elf");
WL_BLOB(wl_blob_vmemmap_2m, "guest-vmemmap-2m.elf");
WL_BLOB(wl_blob_vmemmap_altmap, "guest-vmemmap-altmap.elf");
WL_BLOB(wl_blob_vmemmap_hvo, "guest-vmemmap-hvo.elf");

#define WL_BLOB_DECL(sym) extern const uint8_t sym##_start[], sym##_end[]
WL_BLOB_DECL(wl_blob_flatmem);
WL_BLOB_DECL(wl_blob_sparse_static);
WL_BLOB_DECL(wl_blob_sparse_extreme);
WL_BLOB_DECL(wl_blob_vmemmap_4k);
WL_BLOB_DECL(wl_blob_vmemmap_2m);
WL_BLOB_DECL(wl_blob_vmemmap_altmap);
WL_BLOB_DECL(wl_blob_vmemmap_hvo);

static const struct {
	const uint8_t *start, *end;
} blobs[SPARSE_NR_MODELS] = {
    [SPARSE_MODEL_FLATMEM] = {wl_blob_flatmem_start, wl_blob_flatmem_end},
    [SPARSE_MODEL_STATIC] = {wl_blob_sparse_static_start, wl_blob_sparse_static_end},
    [SPARSE_MODEL_EXTREME] = {wl_blob_sparse_extreme_start, wl_blob_sparse_extreme_end},
    [SPARSE_MODEL_VMEMMAP_4K] = {wl_blob_vmemmap_4k_start, wl_blob_vmemmap_4k_end},
    [SPARSE_MODEL_VMEMMAP_2M] = {wl_blob_vmemmap_2m_start, wl_blob_vmemmap_2m_end},
    [SPARSE_MODEL_VMEMMAP_ALTMAP] = {wl_blob_vmemmap_altmap_start, wl_blob_vmemmap_altmap_end},
    [SPARSE_MODEL_VMEMMAP_HVO] = {wl_blob_vmemmap_hvo_start, wl_blob_vmemmap_hvo_end},
};

int wl_guest_image(enum sparse_model model, const void **elf, size_t *len)
{
	if ((unsigned)model >= SPARSE_NR_MODELS)
		return VMEMSIM_EINVAL;
	*elf = blobs[model].start;
	*len = (size_t)(blobs[model].end - blobs[model].start);
	return 0;
}

const char *wl_guest_elf_dir(void)
{
	return WL_GUEST_ELF_DIR;
}
