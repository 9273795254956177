/*
 * emu/emu_blocks.c — the basic-block cache: each block Unicorn enters is
 * decoded once with capstone (instruction count and instruction offsets) and
 * found again by its address on every later entry.
 *
 * Why not a per-instruction hook: UC_HOOK_CODE costs about 5x the bare
 * engine on this machine (DESIGN.md, "Unicorn facts"); one UC_HOOK_BLOCK per
 * block plus this cache costs one hash probe per block.
 *
 * The table is open-addressed with linear probing, grown at half load; it
 * holds pointers to blocks allocated in chunks of EMU_BC_CHUNK that never
 * move, so the hooks keep a pointer to the running block and nothing is
 * copied per block execution.  Unicorn never reports an empty block for code
 * that runs; such a report is answered with the cache's own empty entry,
 * uncached.
  * A rep-prefixed string instruction ends its block, and QEMU executes each
 * further iteration as a block of its own at the same address; rep_va marks
 * such a block end so the hook counts the instruction once (as hardware
 * retires it once) instead of once per iteration.
 *
 * Self-modifying code is not supported: a block whose bytes change but whose
 * (address, size) do not keeps its old decode (guests do not do this).
 */
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

#define EMU_BC_INITIAL 4096 /* slots; grows by doubling */

_Static_assert(sizeof(struct emu_block) == 64, "a block is one cache line");

int emu_bc_init(struct emu *e)
{
	struct emu_block_cache *bc = &e->bc;
	memset(bc, 0, sizeof(*bc));
	bc->slots = calloc(EMU_BC_INITIAL, sizeof(*bc->slots));
	if (!bc->slots)
		return VMEMSIM_ENOMEM;
	bc->mask = EMU_BC_INITIAL - 1;
	bc->chunk_used = EMU_BC_CHUNK; /* no chunk yet */
	e->bc_slots = bc->slots;
	e->bc_mask = bc->mask;
	return 0;
}

static void bc_block_free(struct emu_block *b)
{
	free(b->insn_off);
	free(b->acc.pc);
}

void emu_bc_fini(struct emu_block_cache *bc)
{
	struct emu_block_chunk *c = bc->chunks, *next;
	for (; c; c = next) {
		unsigned n = c == bc->chunks ? bc->chunk_used : EMU_BC_CHUNK;
		for (unsigned i = 0; i < n; i++)
			bc_block_free(&c->b[i]);
		next = c->next;
		free(c);
	}
	bc->chunks = NULL;
	free(bc->slots);
	bc->slots = NULL;
}

static struct emu_block **bc_probe(struct emu_block **slots, size_t mask, uint64_t va)
{
	size_t i = emu_bc_index(va, mask);
	while (slots[i] && slots[i]->va != va)
		i = (i + 1) & mask;
	return &slots[i];
}

static int bc_grow(struct emu *e)
{
	struct emu_block_cache *bc = &e->bc;
	size_t mask = bc->mask * 2 + 1;
	struct emu_block **slots = calloc(mask + 1, sizeof(*slots));
	if (!slots)
		return VMEMSIM_ENOMEM;
	for (size_t i = 0; i <= bc->mask; i++)
		if (bc->slots[i])
			*bc_probe(slots, mask, bc->slots[i]->va) = bc->slots[i];
	free(bc->slots);
	bc->slots = e->bc_slots = slots;
	bc->mask = e->bc_mask = mask;
	return 0;
}

/* A zeroed block from the chunks (blocks are never freed before the cache). */
static struct emu_block *bc_new_block(struct emu_block_cache *bc)
{
	if (bc->chunk_used == EMU_BC_CHUNK) {
		/* cache-line aligned: a block is one line (sizeof = 64) */
		size_t bytes = (sizeof(struct emu_block_chunk) + 63) & ~(size_t)63;
		struct emu_block_chunk *c = aligned_alloc(64, bytes);
		if (!c)
			return NULL;
		memset(c, 0, bytes);
		c->next = bc->chunks;
		bc->chunks = c;
		bc->chunk_used = 0;
	}
	return &bc->chunks->b[bc->chunk_used++];
}

/* Is the instruction at code[0..len) a rep/repe/repne string instruction
 * (movs, cmps, stos, lods, scas, ins, outs)? */
static bool is_rep_string(const uint8_t *code, size_t len)
{
	bool rep = false;
	size_t i = 0;
	for (; i < len; i++) {
		uint8_t c = code[i];
		if (c == 0xf2 || c == 0xf3)
			rep = true;
		else if (!(c == 0x66 || c == 0x67 || c == 0xf0 || c == 0x2e || c == 0x36 ||
		           c == 0x3e || c == 0x26 || c == 0x64 || c == 0x65))
			break;
	}
	if (i < len && (code[i] & 0xf0) == 0x40) /* REX */
		i++;
	if (!rep || i >= len)
		return false;
	uint8_t op = code[i];
	return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) ||
	       (op >= 0x6c && op <= 0x6f);
}

/* Decode size bytes at va into b (b->va/size set by the caller).  Capstone 4
 * may not know an instruction Unicorn executes: the undecoded tail then counts
 * as one instruction, so counts stay an honest lower bound. */
static int bc_decode(struct emu *e, struct emu_block *b, uint64_t va, uint32_t size)
{
	if (e->scratch_len < size) {
		uint8_t *p = realloc(e->scratch, size);
		if (!p)
			return VMEMSIM_ENOMEM;
		e->scratch = p;
		e->scratch_len = size;
	}
	if (uc_mem_read(e->uc, va, e->scratch, size) != UC_ERR_OK)
		return VMEMSIM_EFAULT;
	uint16_t *off = malloc(sizeof(*off) * size);
	if (!off)
		return VMEMSIM_ENOMEM;
	const uint8_t *code = e->scratch;
	size_t left = size;
	uint64_t addr = va;
	uint32_t n = 0;
	while (left) {
		off[n++] = (uint16_t)(addr - va);
		if (!cs_disasm_iter(e->cs, &code, &left, &addr, e->csi))
			break;
	}
	bc_block_free(b);
	memset(&b->acc, 0, sizeof(b->acc)); /* learning starts again for the new decode */
	b->rep_va =
	    n && is_rep_string(e->scratch + off[n - 1], size - off[n - 1]) ? va + off[n - 1] : 0;
	b->insn_off = off;
	b->nr_insns = n;
	b->va = va;
	b->size = size;
	b->fetch1 = (uint32_t)(((va | 0xfff) + 1) - va);
	if (b->fetch1 > size || (va | 0xfff) + 1 == 0)
		b->fetch1 = size;
	return 0;
}

struct emu_block *emu_bc_lookup_slow(struct emu *e, uint64_t va, uint32_t size)
{
	struct emu_block_cache *bc = &e->bc;
	if (size == 0)
		return &bc->empty;
	struct emu_block **slot = bc_probe(bc->slots, bc->mask, va);
	struct emu_block *b = *slot;
	if (b && b->size == size)
		return b;
	if (!b) {
		if ((bc->used + 1) * 2 > bc->mask + 1) {
			if (bc_grow(e))
				return NULL;
			slot = bc_probe(bc->slots, bc->mask, va);
		}
		b = bc_new_block(bc);
		if (!b)
			return NULL;
		if (bc_decode(e, b, va, size)) {
			bc->chunk_used--; /* b is still zeroed: give it back */
			return NULL;
		}
		*slot = b;
		bc->used++;
		return b;
	}
	/* the same address reported with another size (a TB cut differently,
	 * e.g. after a budget stop): decode again in place; the old decode stays
	 * if that fails */
	return bc_decode(e, b, va, size) ? NULL : b;
}

size_t emu_nr_cached_blocks(const struct emu *e)
{
	return e->bc.used;
}

unsigned emu_insns_before(const struct emu_block *b, uint64_t pc)
{
	if (pc < b->va)
		return 0;
	unsigned i = 0;
	while (i < b->nr_insns && b->va + b->insn_off[i] < pc)
		i++;
	return i;
}
