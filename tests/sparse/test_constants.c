/* tests/sparse/test_constants.c — constants equal the kernel's x86-64
 * values; pfn/section/root arithmetic at the edges; the section_mem_map
 * encoding round-trips; model names. */
#include <criterion/criterion.h>
#include <string.h>

#include "sparse/sparse.h"

Test(sparse_constants, equal_the_kernels_x86_64_values)
{
	cr_assert_eq(SPARSE_PAGE_SHIFT, 12);
	cr_assert_eq(SPARSE_SECTION_SIZE_BITS, 27);
	cr_assert_eq(SPARSE_PFN_SECTION_SHIFT, 15);
	cr_assert_eq(SPARSE_PAGES_PER_SECTION, 32768);
	cr_assert_eq(SPARSE_MAX_PHYSMEM_BITS, 46);
	cr_assert_eq(SPARSE_MAX_PHYSMEM_BITS_L5, 52);
	cr_assert_eq(SPARSE_NR_MEM_SECTIONS, 524288);
	cr_assert_eq(SPARSE_SECTIONS_PER_ROOT, 256);
	cr_assert_eq(SPARSE_NR_SECTION_ROOTS, 2048);
	cr_assert_eq(SPARSE_SUBSECTION_SHIFT, 21);
	cr_assert_eq(SPARSE_PAGES_PER_SUBSECTION, 512);
	cr_assert_eq(SPARSE_SUBSECTIONS_PER_SECTION, 64);
	cr_assert_eq(SPARSE_PAGEBLOCK_NR_PAGES, 512);
	cr_assert_eq(sizeof(struct sparse_page), 64);
	cr_assert_eq(sizeof(struct sparse_mem_section), 16);
	cr_assert_eq(sizeof(struct sparse_mem_section_usage), 56);
	cr_assert_eq(SPARSE_PAGE_OFFSET, 0xffff888000000000ull);
	cr_assert_eq(SPARSE_VMEMMAP_BASE, 0xffffea0000000000ull);
	cr_assert_eq(SPARSE_START_KERNEL_MAP, 0xffffffff80000000ull);
	cr_assert_eq(SPARSE_KERNEL_IMAGE_VA, 0xffffffff81000000ull);
	cr_assert_eq(SPARSE_LOAD_PHYSICAL_ADDR, 16ull << 20);
}

Test(sparse_constants, section_flags_are_the_kernels_bits)
{
	cr_assert_eq(SPARSE_SECTION_MARKED_PRESENT, 1);
	cr_assert_eq(SPARSE_SECTION_HAS_MEM_MAP, 2);
	cr_assert_eq(SPARSE_SECTION_IS_ONLINE, 4);
	cr_assert_eq(SPARSE_SECTION_IS_EARLY, 8);
	cr_assert_eq(SPARSE_SECTION_TAINT_ZONE_DEVICE, 16);
	cr_assert_eq(SPARSE_SECTION_MAP_MASK, ~0x1full);
	cr_assert_eq(SPARSE_SECTION_NID_SHIFT, 5);
}

Test(sparse_arith, first_and_last_pfn_of_a_section)
{
	cr_assert_eq(sparse_pfn_to_section_nr(0), 0);
	cr_assert_eq(sparse_pfn_to_section_nr(32767), 0);
	cr_assert_eq(sparse_pfn_to_section_nr(32768), 1);
	cr_assert_eq(sparse_pfn_to_section_nr(65535), 1);
	cr_assert_eq(sparse_section_nr_to_pfn(1), 32768);
	cr_assert_eq(sparse_section_nr_to_pfn(sparse_pfn_to_section_nr(100000)), 98304);
}

Test(sparse_arith, the_last_pfn_lands_in_the_last_root)
{
	uint64_t last_pfn = (1ull << (46 - 12)) - 1;
	uint64_t nr = sparse_pfn_to_section_nr(last_pfn);

	cr_assert_eq(nr, SPARSE_NR_MEM_SECTIONS - 1);
	cr_assert_eq(sparse_section_nr_to_root(nr), SPARSE_NR_SECTION_ROOTS - 1);
	cr_assert_eq(nr & SPARSE_SECTION_ROOT_MASK, 255);
	cr_assert_eq(sparse_section_nr_to_root(255), 0);
	cr_assert_eq(sparse_section_nr_to_root(256), 1);
}

Test(sparse_arith, subsection_index_at_the_edges)
{
	cr_assert_eq(sparse_subsection_map_index(0), 0);
	cr_assert_eq(sparse_subsection_map_index(511), 0);
	cr_assert_eq(sparse_subsection_map_index(512), 1);
	cr_assert_eq(sparse_subsection_map_index(32767), 63);
	cr_assert_eq(sparse_subsection_map_index(32768), 0);
}

Test(sparse_encoding, section_mem_map_round_trips_with_flags)
{
	const uint64_t maps[] = {0xffff888012345000ull, 0xffff8880ffe00000ull,
	                         0xffff888000200000ull};
	const uint64_t nrs[] = {0, 1, 255, 256, 8191, SPARSE_NR_MEM_SECTIONS - 1};
	const uint64_t flags = SPARSE_SECTION_MARKED_PRESENT | SPARSE_SECTION_HAS_MEM_MAP |
	                       SPARSE_SECTION_IS_EARLY | SPARSE_SECTION_TAINT_ZONE_DEVICE;

	for (unsigned i = 0; i < 3; i++) {
		for (unsigned j = 0; j < 6; j++) {
			uint64_t coded = sparse_encode_mem_map(maps[i], nrs[j]);
			cr_assert_eq(coded & ~SPARSE_SECTION_MAP_MASK, 0,
			             "a 64-byte struct page keeps the low bits free");
			cr_assert_eq(sparse_decode_mem_map(coded | flags, nrs[j]), maps[i]);
			cr_assert_eq((coded | flags) & ~SPARSE_SECTION_MAP_MASK, flags);
		}
	}
}

Test(sparse_encoding, every_vmemmap_section_encodes_to_vmemmap)
{
	for (uint64_t nr = 0; nr < SPARSE_NR_MEM_SECTIONS; nr += 977) {
		uint64_t mem_map = SPARSE_VMEMMAP_BASE + sparse_section_nr_to_pfn(nr) * 64;
		cr_assert_eq(sparse_encode_mem_map(mem_map, nr), SPARSE_VMEMMAP_BASE);
	}
}

Test(sparse_models, names_round_trip_and_unknown_names_fail)
{
	const char *names[] = {"flatmem",    "sparse-static",  "sparse-extreme", "vmemmap-4k",
	                       "vmemmap-2m", "vmemmap-altmap", "vmemmap-hvo"};
	struct vmemsim_err err = {0};
	enum sparse_model m;

	for (int i = 0; i < SPARSE_NR_MODELS; i++) {
		cr_assert_str_eq(sparse_model_name((enum sparse_model)i), names[i]);
		cr_assert_eq(sparse_model_parse(names[i], &m, NULL), 0);
		cr_assert_eq(m, (enum sparse_model)i);
	}
	cr_assert_eq(sparse_model_parse("vmemmap", &m, &err), VMEMSIM_EINVAL);
	cr_assert(strstr(err.msg, "'vmemmap'") && strstr(err.msg, "vmemmap-2m"), "%s", err.msg);
}
