/*
 * emu/emu_elf.c — guest images: ELF64 loading with libelf and the symbol
 * table used for symbolization (pc -> function+offset).
 *
 * An image is loaded into guest PHYSICAL memory at the PAs the page tables
 * give for its segments' VAs, page by page: the caller decides where the
 * kernel image lives physically (and may scatter it), exactly as the page
 * tables say.  Every offset and size taken from the file is checked against
 * the file's length before use: a truncated or corrupt image is an error
 * naming the file and the field, never a crash.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* <elf.h>'s segment flag PF_W clashes with mmu.h's #PF error-code bit; this
 * file needs neither. */
#undef PF_W

#include "emu_internal.h"

void emu_syms_fini(struct emu *e)
{
	for (size_t i = 0; i < e->nr_syms; i++)
		free(e->syms[i].name);
	free(e->syms);
	e->syms = NULL;
	e->nr_syms = e->cap_syms = 0;
}

static void emu_free_syms(struct emu_symbol_ent *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* ---- reading and validating ------------------------------------------ */

struct elf_file {
	Elf *elf;
	char *buf; /* owned copy of the file (libelf reads from it) */
	size_t len;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	size_t phnum;
	const char *name;
};

static void elf_file_close(struct elf_file *f)
{
	if (f->elf)
		elf_end(f->elf);
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

static int elf_file_check_phdrs(struct elf_file *f, struct vmemsim_err *err)
{
	for (size_t i = 0; i < f->phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_offset > f->len || p->p_filesz > f->len - p->p_offset)
			return vmemsim_errf(err, VMEMSIM_ECORRUPT,
			                    "%s: segment %zu: file bytes [0x%llx, +0x%llx) beyond "
			                    "the end of the file (%zu bytes): truncated?",
			                    f->name, i, (unsigned long long)p->p_offset,
			                    (unsigned long long)p->p_filesz, f->len);
		if (p->p_filesz > p->p_memsz || p->p_vaddr + p->p_memsz < p->p_vaddr)
			return vmemsim_errf(
			    err, VMEMSIM_ECORRUPT,
			    "%s: segment %zu: bad sizes (filesz 0x%llx, memsz 0x%llx)", f->name, i,
			    (unsigned long long)p->p_filesz, (unsigned long long)p->p_memsz);
	}
	return 0;
}

/* Take ownership of buf (malloc'ed, len bytes) and parse the headers. */
static int elf_file_open_mem(struct elf_file *f, char *buf, size_t len, const char *name,
                             struct vmemsim_err *err)
{
	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->len = len;
	f->name = name;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: libelf: %s", name, elf_errmsg(-1));
	f->elf = elf_memory(buf, len);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: not an ELF file", name);
	if (len < EI_NIDENT || buf[EI_CLASS] != ELFCLASS64)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: not ELF64", name);
	f->eh = elf64_getehdr(f->elf);
	if (!f->eh)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: bad ELF header: %s", name,
		                    elf_errmsg(-1));
	if (f->eh->e_machine != EM_X86_64)
		return vmemsim_errf(err, VMEMSIM_EINVAL, "%s: e_machine %u is not x86-64", name,
		                    (unsigned)f->eh->e_machine);
	if (elf_getphdrnum(f->elf, &f->phnum) != 0)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: bad program headers: %s", name,
		                    elf_errmsg(-1));
	f->ph = f->phnum ? elf64_getphdr(f->elf) : NULL;
	if (f->phnum && !f->ph)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT,
		                    "%s: program headers unreadable (truncated?): %s", name,
		                    elf_errmsg(-1));
	if (f->eh->e_shoff > len ||
	    (uint64_t)f->eh->e_shnum * f->eh->e_shentsize > len - f->eh->e_shoff)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT,
		                    "%s: section headers at 0x%llx beyond the end of the file (%zu "
		                    "bytes): truncated?",
		                    name, (unsigned long long)f->eh->e_shoff, len);
	return elf_file_check_phdrs(f, err);
}

static int elf_file_open(struct elf_file *f, const char *path, struct vmemsim_err *err)
{
	memset(f, 0, sizeof(*f));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmemsim_errf(err, VMEMSIM_EIO, "%s: cannot open: %m", path);
	struct stat st;
	char *buf = NULL;
	int rc = 0;
	if (fstat(fd, &st) || st.st_size <= 0) {
		rc = vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: empty or unreadable", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			rc = vmemsim_errf(err, VMEMSIM_EIO, "%s: read failed at byte %zu", path,
			                  got);
			goto out;
		}
		got += (size_t)n;
	}
	rc = elf_file_open_mem(f, buf, got, path, err);
	buf = NULL; /* owned by f now */
out:
	free(buf);
	close(fd);
	return rc;
}

static void elf_span(const struct elf_file *f, uint64_t *lo, uint64_t *hi, unsigned *nr)
{
	*lo = UINT64_MAX;
	*hi = 0;
	*nr = 0;
	for (size_t i = 0; i < f->phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		uint64_t s = p->p_vaddr & ~0xfffull,
		         end = (p->p_vaddr + p->p_memsz + 0xfff) & ~0xfffull;
		*lo = s < *lo ? s : *lo;
		*hi = end > *hi ? end : *hi;
		(*nr)++;
	}
	if (!*nr)
		*lo = 0;
}

int emu_elf_extent(const char *path, uint64_t *va_lo, uint64_t *va_hi, struct vmemsim_err *err)
{
	struct elf_file f;
	unsigned nr;
	int rc = elf_file_open(&f, path, err);
	if (!rc) {
		elf_span(&f, va_lo, va_hi, &nr);
		if (!nr)
			rc = vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: no PT_LOAD segment", path);
	}
	elf_file_close(&f);
	return rc;
}

/* ---- loading ----------------------------------------------------------- */

static int elf_copy_segments(struct emu *e, const struct elf_file *f, struct vmemsim_err *err)
{
	static const uint8_t zeros[4096];
	for (size_t i = 0; i < f->phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		int rc = emu_write(e, p->p_vaddr, f->buf + p->p_offset, p->p_filesz, err);
		for (uint64_t done = p->p_filesz; !rc && done < p->p_memsz;) {
			uint64_t n =
			    p->p_memsz - done < sizeof(zeros) ? p->p_memsz - done : sizeof(zeros);
			rc = emu_write(e, p->p_vaddr + done, zeros, n, err);
			done += n;
		}
		if (rc) {
			vmemsim_err_prefix(err, f->name);
			if (err)
				snprintf(
				    err->msg + strlen(err->msg),
				    sizeof(err->msg) - strlen(err->msg),
				    " (segment %zu at va 0x%llx: map the image before loading it)",
				    i, (unsigned long long)p->p_vaddr);
			return rc;
		}
	}
	return 0;
}

static int sym_push(struct emu_symbol_ent **v, size_t *n, size_t *cap, const char *name,
                    uint64_t va, uint64_t size)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct emu_symbol_ent *p = realloc(*v, c * sizeof(*p));
		if (!p)
			return VMEMSIM_ENOMEM;
		*v = p;
		*cap = c;
	}
	char *dup = strdup(name);
	if (!dup)
		return VMEMSIM_ENOMEM;
	(*v)[(*n)++] = (struct emu_symbol_ent){.va = va, .size = size, .name = dup};
	return 0;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct emu_symbol_ent *x = a, *y = b;
	if (x->va != y->va)
		return x->va < y->va ? -1 : 1;
	return (x->size < y->size) - (x->size > y->size); /* larger first */
}

/* Append syms (taking their names) to e and re-sort. */
static int syms_merge(struct emu *e, struct emu_symbol_ent *v, size_t n)
{
	if (e->nr_syms + n > e->cap_syms) {
		size_t cap = e->nr_syms + n;
		struct emu_symbol_ent *p = realloc(e->syms, cap * sizeof(*p));
		if (!p)
			return VMEMSIM_ENOMEM;
		e->syms = p;
		e->cap_syms = cap;
	}
	if (!n)
		return 0;
	memcpy(e->syms + e->nr_syms, v, n * sizeof(*v));
	e->nr_syms += n;
	qsort(e->syms, e->nr_syms, sizeof(*e->syms), sym_cmp);
	return 0;
}

static bool sym_wanted(const GElf_Sym *s)
{
	int type = GELF_ST_TYPE(s->st_info);
	if (s->st_shndx == SHN_UNDEF || s->st_shndx == SHN_ABS || !s->st_value)
		return false;
	/* NOTYPE: labels of assembly guests */
	return type == STT_FUNC || type == STT_OBJECT || type == STT_NOTYPE;
}

/* Read the image's symbols into a new array (nothing changes in e). */
static int elf_read_syms(const struct elf_file *f, struct emu_symbol_ent **out, size_t *nr,
                         struct vmemsim_err *err)
{
	struct emu_symbol_ent *v = NULL;
	size_t n = 0, cap = 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !sh.sh_entsize)
			goto corrupt;
		size_t count = d->d_size / sh.sh_entsize;
		for (size_t i = 1; i < count; i++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)i, &s))
				goto corrupt;
			if (!sym_wanted(&s))
				continue;
			const char *name = elf_strptr(f->elf, sh.sh_link, s.st_name);
			if (!name)
				goto corrupt;
			if (*name && sym_push(&v, &n, &cap, name, s.st_value, s.st_size)) {
				emu_free_syms(v, n);
				return vmemsim_errf(err, VMEMSIM_ENOMEM,
				                    "%s: out of memory for symbols", f->name);
			}
		}
	}
	*out = v;
	*nr = n;
	return 0;
corrupt:
	emu_free_syms(v, n);
	return vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: corrupt symbol table: %s", f->name,
	                    elf_errmsg(-1));
}

static int elf_load(struct emu *e, struct elf_file *f, struct emu_image *image,
                    struct vmemsim_err *err)
{
	struct emu_symbol_ent *syms = NULL;
	size_t nsyms = 0;
	struct emu_image img = {.entry = f->eh->e_entry};
	elf_span(f, &img.va_lo, &img.va_hi, &img.nr_segments);
	if (!img.nr_segments)
		return vmemsim_errf(err, VMEMSIM_ECORRUPT, "%s: no PT_LOAD segment", f->name);
	int rc = elf_read_syms(f, &syms, &nsyms, err);
	if (!rc)
		rc = elf_copy_segments(e, f, err);
	if (!rc && syms_merge(e, syms, nsyms))
		rc = vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory for symbols", f->name);
	if (rc)
		emu_free_syms(syms, nsyms);
	else
		free(syms);
	if (!rc && image) {
		img.nr_symbols = e->nr_syms;
		*image = img;
	}
	return rc;
}

int emu_load_elf(struct emu *e, const char *path, struct emu_image *image, struct vmemsim_err *err)
{
	struct elf_file f;
	int rc = elf_file_open(&f, path, err);
	if (!rc)
		rc = elf_load(e, &f, image, err);
	elf_file_close(&f);
	return rc;
}

int emu_load_elf_mem(struct emu *e, const void *buf, size_t len, const char *name,
                     struct emu_image *image, struct vmemsim_err *err)
{
	struct elf_file f;
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "%s: out of memory", name);
	memcpy(copy, buf, len);
	int rc = elf_file_open_mem(&f, copy, len, name, err);
	if (!rc)
		rc = elf_load(e, &f, image, err);
	elf_file_close(&f);
	return rc;
}

/* ---- symbols ----------------------------------------------------------- */

int emu_add_symbol(struct emu *e, const char *name, uint64_t va, uint64_t size,
                   struct vmemsim_err *err)
{
	struct emu_symbol_ent *v = NULL;
	size_t n = 0, cap = 0;
	if (sym_push(&v, &n, &cap, name, va, size) || syms_merge(e, v, n)) {
		if (n)
			free(v[0].name);
		free(v);
		return vmemsim_errf(err, VMEMSIM_ENOMEM, "emu_add_symbol: out of memory");
	}
	free(v);
	return 0;
}

int emu_symbol(const struct emu *e, const char *name, uint64_t *va, uint64_t *size)
{
	for (size_t i = 0; i < e->nr_syms; i++) {
		if (strcmp(e->syms[i].name, name) == 0) {
			if (va)
				*va = e->syms[i].va;
			if (size)
				*size = e->syms[i].size;
			return 0;
		}
	}
	return VMEMSIM_ENOENT;
}

#define SYM_SCAN 64 /* symbols looked at below pc for one that contains it */

/* The symbol containing pc, or NULL.  A sized symbol (a function) that
 * contains pc wins over an unsized label below it, so reports read
 * "touch+0x1" rather than the name of a local label; an unsized symbol
 * covers pc only if it is the nearest symbol at or below pc. */
static const struct emu_symbol_ent *sym_find(const struct emu *e, uint64_t pc)
{
	size_t lo = 0, hi = e->nr_syms; /* lo = number of symbols with va <= pc */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->syms[mid].va <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct emu_symbol_ent *label = e->syms[lo - 1].size ? NULL : &e->syms[lo - 1];
	for (size_t i = lo, k = 0; i-- > 0 && k < SYM_SCAN; k++) {
		const struct emu_symbol_ent *s = &e->syms[i];
		if (s->size && pc - s->va < s->size)
			return s;
	}
	return label;
}

int emu_symbolize(const struct emu *e, uint64_t pc, char *buf, size_t len, uint64_t *offset)
{
	const struct emu_symbol_ent *s = sym_find(e, pc);
	if (!s) {
		if (len)
			snprintf(buf, len, "0x%llx", (unsigned long long)pc);
		return VMEMSIM_ENOENT;
	}
	if (offset)
		*offset = pc - s->va;
	if (len) {
		if (pc == s->va)
			snprintf(buf, len, "%s", s->name);
		else
			snprintf(buf, len, "%s+0x%llx", s->name, (unsigned long long)(pc - s->va));
	}
	return 0;
}
