/*
 * tests/emu/test_elf.c — loading guest images and symbolizing PCs; bad
 * images are ordinary cases with messages naming the file and the reason.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp);
	fseek(fp, 0, SEEK_END);
	*len = (size_t)ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *buf = malloc(*len);
	cr_assert_eq(fread(buf, 1, *len, fp), *len);
	fclose(fp);
	return buf;
}

Test(emu_elf, the_image_lands_at_the_physical_address_the_page_tables_give)
{
	struct fx f;
	fx_init(&f, false, NULL);
	cr_assert_eq(f.img.entry, IMAGE_VA);
	cr_assert_eq(f.img.va_lo, IMAGE_VA);
	cr_assert_eq(f.img.nr_segments, 2); /* text, bss */
	/* sum_n starts with xor eax, eax (31 c0) */
	uint64_t s = fx_sym(&f, "sum_n");
	cr_assert_eq(f.phys.base[IMAGE_PA + (s - IMAGE_VA)], 0x31);
	cr_assert_eq(f.phys.base[IMAGE_PA + (s - IMAGE_VA) + 1], 0xc0);
	cr_assert_eq(f.phys.base[IMAGE_PA], 0xf4, "guest_halt: hlt");
	fx_fini(&f);
}

Test(emu_elf, pcs_symbolize_to_function_plus_offset)
{
	struct fx f;
	fx_init(&f, false, NULL);
	char buf[96];
	uint64_t off = 0, s = fx_sym(&f, "sum_n");
	cr_assert_eq(emu_symbolize(f.emu, s, buf, sizeof(buf), &off), 0);
	cr_assert_str_eq(buf, "sum_n");
	cr_assert_eq(off, 0);
	cr_assert_eq(emu_symbolize(f.emu, s + 3, buf, sizeof(buf), &off), 0);
	cr_assert_str_eq(buf, "sum_n+0x3");
	cr_assert_eq(off, 3);
	/* labels inside pc_probe are symbols of their own (NOTYPE, size 0),
	 * but pc_probe has a size and contains them */
	cr_assert_eq(emu_symbolize(f.emu, fx_sym(&f, "probe_ret"), buf, sizeof(buf), NULL), 0);
	cr_assert(strcmp(buf, "probe_ret") == 0 || strcmp(buf, "pc_probe+0x9") == 0, "%s", buf);
	cr_assert_eq(emu_symbolize(f.emu, 0x1000, buf, sizeof(buf), NULL), VMEMSIM_ENOENT);
	cr_assert_str_eq(buf, "0x1000");
	cr_assert_eq(emu_symbol(f.emu, "no_such_symbol", NULL, NULL), VMEMSIM_ENOENT);
	char d[96];
	cr_assert_eq(emu_disasm(f.emu, s, d, sizeof(d)), 0);
	cr_assert_str_eq(d, "xor eax, eax");
	fx_fini(&f);
}

Test(emu_elf, a_truncated_image_is_corrupt_and_named)
{
	struct fx f;
	fx_init(&f, false, NULL);
	size_t len;
	char *buf = slurp(fx_guest_path(), &len);
	size_t before = f.emu->nr_syms;
	/* cut inside the text segment's file bytes */
	int rc = emu_load_elf_mem(f.emu, buf, 0x1800, "cut.elf", NULL, &f.err);
	cr_assert_eq(rc, VMEMSIM_ECORRUPT, "%s", f.err.msg);
	cr_assert(strstr(f.err.msg, "cut.elf"), "%s", f.err.msg);
	cr_assert(strstr(f.err.msg, "truncated"), "%s", f.err.msg);
	cr_assert_eq(f.emu->nr_syms, before, "symbols unchanged on failure");
	/* every shorter prefix fails cleanly too */
	for (size_t cut = 0; cut < len; cut += 97)
		cr_assert_lt(emu_load_elf_mem(f.emu, buf, cut, "cut.elf", NULL, &f.err), 0);
	free(buf);
	fx_fini(&f);
}

Test(emu_elf, a_file_that_is_not_elf_is_refused)
{
	struct fx f;
	fx_init(&f, false, NULL);
	static const char junk[] = "#!/bin/sh\necho not an image\n";
	cr_assert_eq(emu_load_elf_mem(f.emu, junk, sizeof(junk), "junk", NULL, &f.err),
	             VMEMSIM_ECORRUPT);
	cr_assert(strstr(f.err.msg, "junk: not an ELF file"), "%s", f.err.msg);
	cr_assert_eq(emu_load_elf(f.emu, "/nonexistent/guest.elf", NULL, &f.err), VMEMSIM_EIO);
	cr_assert(strstr(f.err.msg, "/nonexistent/guest.elf"), "%s", f.err.msg);
	fx_fini(&f);
}

Test(emu_elf, loading_an_unmapped_image_names_the_segment)
{
	struct mmu_phys phys;
	struct mmu_brk_alloc a;
	struct mmu_pt pt;
	struct emu *e;
	struct vmemsim_err err;
	cr_assert_eq(mmu_phys_init(&phys, 8 * SZ_1M, &err), 0);
	mmu_brk_alloc_init(&a, &phys, 0, SZ_1M, SZ_1M, 8 * SZ_1M);
	cr_assert_eq(mmu_pt_init(&pt, &phys, 4, 46, mmu_brk_allocator(&a), &err), 0);
	cr_assert_eq(emu_create(&e, NULL, &pt, &phys, NULL, &err), 0);
	cr_assert_eq(emu_load_elf(e, fx_guest_path(), NULL, &err), VMEMSIM_EFAULT);
	cr_assert(strstr(err.msg, "segment 0 at va 0xffffffff81000000"), "%s", err.msg);
	emu_destroy(e);
	mmu_phys_fini(&phys);
}
