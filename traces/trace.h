/*
 * traces/trace.h — address traces: the .vtr format, readers, the writer, and
 * replay through the MMU model on an address space built on demand.
 *
 * What it models.  A trace is a sequence of records (type, virtual address,
 * size, pc): an instruction fetch, a data load or a data store, as a CPU
 * presents them to its MMU.  Three formats are read behind one small table
 * of operations (open / next_batch / close):
 *   - .vtr, vmemsim's own versioned, zstd-compressed format, specified byte
 *     by byte in docs/trace-format.md.  Every .vtr file is also a valid
 *     zstd stream: header, block headers and trailer live in zstd skippable
 *     frames, so `zstd -dc FILE` yields the raw record columns;
 *   - valgrind lackey --trace-mem=yes text ("I  addr,size", " L addr,size",
 *     " S addr,size", " M addr,size" = load then store; "==pid==" lines are
 *     valgrind's own and skipped);
 *   - ChampSim traces: 64-byte input_instr records, raw or .xz.  ip is a
 *     fetch, each nonzero source_memory[] a load, each nonzero
 *     destination_memory[] a store; sizes are unknown and taken as 8.
 * One writer produces .vtr (used by `vmemsim trace record|convert` and by
 * `vmemsim run --record`).
 *
 * Replay.  A trace replays on a struct trace_machine: either a user address
 * space built on demand (trace_aspace: the first touch of a page takes a
 * frame from a physical allocator with a fragmentation knob, under a 4K, THP
 * or 1G page-size policy, and writes a real leaf into page tables in guest
 * memory; CPL 3) or the kernel machine sparse/ builds for a layout and memory
 * model (CPL 0, nothing mapped on demand).  trace_replay_batch() hands every
 * record to mmu_access() in a tight loop over a flat array; faults leave the
 * loop.
 *
 * Units.  va and pc are linear addresses in bytes; size is bytes (1..65535).
 * Record indexes count from 0.  Byte offsets in messages are from the start
 * of the file (for .xz input: of the decompressed stream, and the compressed
 * offset is named too); line numbers count from 1.
 *
 * Ownership.  trace_open*() and trace_writer_open() allocate the object the
 * caller later releases with trace_close() / trace_writer_close() (or
 * trace_writer_abort()).  Record buffers belong to the caller.  Nothing here
 * prints, exits or keeps global state.
 *
 * Errors.  0 or a negative VMEMSIM_E* code with the position in *err.  A
 * reader that meets a truncated or corrupt input first delivers every record
 * before the bad spot, then fails with VMEMSIM_ECORRUPT naming the byte
 * offset (or line); an unknown .vtr version is VMEMSIM_EVERSION.  A writer
 * writes to "<path>.part" and renames it to <path> only in a successful
 * trace_writer_close(), so a failed or aborted write leaves no half-written
 * trace at <path>.
 */
#ifndef VMEMSIM_TRACE_H
#define VMEMSIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/vmemsim.h"
#include "../mmu/mmu.h"
#include "../sparse/sparse.h"

/* ---- Records ------------------------------------------------------------ */

/* The values equal enum mmu_access_type for fetch/load/store so replay passes
 * them through unchanged (pinned by a static_assert in replay.c). */
enum trace_type {
	TRACE_FETCH = 0, /* instruction fetch at va (pc == va) */
	TRACE_LOAD = 1,
	TRACE_STORE = 2,
	TRACE_RETIRE = 3, /* no access: va instructions retired at pc (size 1) */
	TRACE_NR_TYPES = 4
};

struct trace_rec {
	uint64_t va;   /* TRACE_RETIRE: the instruction count */
	uint64_t pc;   /* the instruction that made the access */
	uint32_t size; /* bytes, 1..TRACE_MAX_SIZE */
	uint32_t type; /* enum trace_type */
};

#define TRACE_MAX_SIZE 65535u

/* ---- Formats and what a reader knows about its input -------------------- */

enum trace_format {
	TRACE_FMT_AUTO = 0, /* sniff: .vtr magic, xz magic, lackey text, else ChampSim */
	TRACE_FMT_VTR,
	TRACE_FMT_LACKEY,
	TRACE_FMT_CHAMPSIM
};

/* Reader flags. */
#define TRACE_SKIP_BAD 0x1u /* lackey: count garbage lines instead of failing */

/* .vtr header flags (also reported by every reader in trace_info.flags). */
#define TRACE_F_FETCH_IS_INSN 0x1u /* each fetch record is one retired instruction */

#define TRACE_VTR_VERSION 1 /* the version this build writes and reads */

struct trace_info {
	enum trace_format format;
	unsigned version;                 /* .vtr version; 0 for other formats */
	uint32_t flags;                   /* TRACE_F_* */
	uint64_t nr_records;              /* from the header/trailer; UINT64_MAX if unknown */
	uint64_t by_type[TRACE_NR_TYPES]; /* from the header, or counted as read */
	uint64_t nr_blocks;               /* .vtr blocks (header/trailer), else 0 */
	uint64_t bad_lines;               /* lackey lines skipped under TRACE_SKIP_BAD */
	const char *metadata;             /* .vtr: JSON text from the header ("" if none) */
	uint64_t file_bytes;              /* size of the input, if known, else 0 */
};

const char *trace_format_name(enum trace_format f);
/* "vtr", "lackey", "champsim", "auto"; returns VMEMSIM_EINVAL otherwise. */
int trace_format_parse(const char *s, enum trace_format *out, struct vmemsim_err *err);
const char *trace_type_name(enum trace_type t);

/* ---- Reading ------------------------------------------------------------ */

struct trace_reader; /* opaque; see trace_ops.h inside the module */

/* Open a file (path "-" is stdin) or a file descriptor (not closed by the
 * reader unless own_fd), or a memory buffer (borrowed until trace_close; used
 * by the fuzz targets).  fmt TRACE_FMT_AUTO sniffs the first bytes. */
int trace_open(struct trace_reader **out, const char *path, enum trace_format fmt, unsigned flags,
               struct vmemsim_err *err);
int trace_open_fd(struct trace_reader **out, int fd, bool own_fd, const char *name,
                  enum trace_format fmt, unsigned flags, struct vmemsim_err *err);
int trace_open_mem(struct trace_reader **out, const void *data, size_t len, enum trace_format fmt,
                   unsigned flags, struct vmemsim_err *err);

/* Fill buf with up to cap records.  Returns how many (> 0), 0 at the clean
 * end of the trace, or a negative code.  Records before a bad spot are always
 * returned by earlier calls first; after an error every later call returns
 * the same error. */
long trace_next_batch(struct trace_reader *r, struct trace_rec *buf, size_t cap,
                      struct vmemsim_err *err);

/* What is known so far (counts grow as records are read for formats without
 * a header).  Valid until trace_close. */
const struct trace_info *trace_reader_info(const struct trace_reader *r);
/* Records delivered so far. */
uint64_t trace_reader_delivered(const struct trace_reader *r);
/* Bytes consumed so far from the input (for progress bars). */
uint64_t trace_reader_offset(const struct trace_reader *r);

void trace_close(struct trace_reader *r);

/* Whole-file summary: counts by type, read from the .vtr header or trailer
 * when present, otherwise by reading every record.  nr_records is exact on
 * success. */
int trace_scan_info(const char *path, enum trace_format fmt, unsigned flags, struct trace_info *out,
                    char **metadata_out, struct vmemsim_err *err);

/* Distinct pages a trace touches, by page size (enum mmu_page_size): 4K
 * pages, 2M and 1G regions, for fetches (code) and loads/stores (data); an
 * access spanning pages counts each.  Reads r to its end; on a reader error
 * the counts cover the records before it and the error is returned. */
struct trace_footprint {
	uint64_t code[3], data[3];
};
int trace_footprint(struct trace_reader *r, struct trace_footprint *out, struct vmemsim_err *err);

/* ---- Writing .vtr ------------------------------------------------------- */

struct trace_writer; /* opaque */

struct trace_writer_opts {
	const char *metadata;   /* JSON text stored verbatim in the header; may be NULL */
	uint32_t flags;         /* TRACE_F_* */
	uint32_t block_records; /* records per block; 0 = TRACE_VTR_BLOCK_RECORDS */
	int zstd_level;         /* 0 = default (3) */
};

#define TRACE_VTR_BLOCK_RECORDS 16384u

/* Create "<path>.part"; it becomes <path> on trace_writer_close(). */
int trace_writer_open(struct trace_writer **out, const char *path,
                      const struct trace_writer_opts *opts, struct vmemsim_err *err);

/* Append n records.  A record with an unknown type or a size outside
 * 1..TRACE_MAX_SIZE is refused (VMEMSIM_EINVAL naming its index) and nothing
 * of this call is appended.  I/O errors are VMEMSIM_EIO; after one, only
 * trace_writer_abort() is useful. */
int trace_writer_append(struct trace_writer *w, const struct trace_rec *recs, size_t n,
                        struct vmemsim_err *err);
/* One record; same rules. */
int trace_writer_put(struct trace_writer *w, enum trace_type type, uint64_t va, uint32_t size,
                     uint64_t pc, struct vmemsim_err *err);

/* Records appended so far. */
uint64_t trace_writer_count(const struct trace_writer *w);

/* Flush the last block, write the trailer, fill in the header counts, fsync
 * and rename to the final path.  Frees w whatever happens; on failure the
 * .part file is removed. */
int trace_writer_close(struct trace_writer *w, struct vmemsim_err *err);
/* Discard: remove the .part file and free w. */
void trace_writer_abort(struct trace_writer *w);

/* ---- Replay: a demand-paged address space over the MMU model ------------ */

enum trace_page_policy {
	TRACE_PAGES_4K = 0,
	TRACE_PAGES_THP, /* 2M when the aligned 2M range is free and a 2M frame is available */
	TRACE_PAGES_1G   /* 1G likewise, falling back to 2M, then 4K */
};
/* "4k", "thp" (or "2m"), "1g". */
int trace_page_policy_parse(const char *s, enum trace_page_policy *out, struct vmemsim_err *err);
const char *trace_page_policy_name(enum trace_page_policy p);

struct trace_aspace_config {
	enum trace_page_policy policy;
	double frag;         /* [0,1]: probability that a 2M/1G frame is unavailable */
	uint64_t seed;       /* for the fragmentation draws */
	uint64_t phys_bytes; /* guest-physical span; 0 = 64 GiB */
	unsigned levels;     /* 4 or 5 */
	unsigned maxphyaddr; /* for the page tables */
	bool user;           /* map user pages (PTE.US) and run at CPL 3 */
};

/* Counters the replay adds to the MMU's (stored as metrics too). */
struct trace_aspace_stats {
	uint64_t first_touch_faults; /* not-present faults that mapped a page */
	uint64_t pages[3];           /* pages mapped, by enum mmu_page_size */
	uint64_t large_fallbacks;    /* 2M/1G wanted, fragmentation said no */
	uint64_t pt_pages;           /* page-table pages allocated */
	uint64_t frames_bytes;       /* guest-physical bytes handed out */
};

struct trace_aspace; /* opaque */

/* Owns a guest-physical backing and page tables; the MMU built on it by the
 * caller borrows trace_aspace_phys() and must be destroyed first. */
int trace_aspace_create(struct trace_aspace **out, const struct trace_aspace_config *cfg,
                        struct vmemsim_err *err);
void trace_aspace_destroy(struct trace_aspace *as);
struct mmu_phys *trace_aspace_phys(struct trace_aspace *as);
/* PA of the top-level table, for mmu_write_cr3(). */
uint64_t trace_aspace_root(const struct trace_aspace *as);
/* Map the page covering va by the policy (first touch).  VMEMSIM_EEXIST if it
 * is mapped already; VMEMSIM_ENOMEM when guest-physical memory runs out. */
int trace_aspace_touch(struct trace_aspace *as, uint64_t va, struct vmemsim_err *err);
void trace_aspace_get_stats(const struct trace_aspace *as, struct trace_aspace_stats *out);
/* Re-verify the invariants from the page tables (tests): leaves by size equal
 * the pages counted, protections as configured, frames inside handed-out
 * memory and not overlapping each other.  0 or VMEMSIM_ECORRUPT. */
int trace_aspace_check(const struct trace_aspace *as, struct vmemsim_err *err);

/* Replay records through m, mapping pages on not-present faults and retrying
 * the access (counted as the hardware would re-execute it).  as may be NULL
 * (a kernel trace on a machine whose page tables are already built): then
 * every fault is an error.  Fetch records
 * retire one instruction each when TRACE_F_FETCH_IS_INSN is set in flags;
 * TRACE_RETIRE records retire their count.  Returns 0 or a negative code
 * (a protection fault, ENOMEM, ...) naming the record index (base + i), VA
 * and PC; the counters of the records before it stay counted. */
int trace_replay_batch(struct mmu *m, struct trace_aspace *as, const struct trace_rec *recs,
                       size_t n, uint32_t flags, uint64_t base, struct vmemsim_err *err);

/* ---- Replay machines ----------------------------------------------------- */

/* The MMU a replay drives and what it translates over.  Exactly one of as
 * (user traces) and sm (kernel traces) is set.  The fields are the caller's to
 * use (mmu_stats_snapshot, ...) until trace_machine_fini(). */
struct trace_machine {
	struct mmu *m;
	struct trace_aspace *as;
	struct sparse_machine *sm;
};

/* A user address space built on demand (ac; levels, maxphyaddr and user
 * are taken from cfg / forced on), regions "user" and "kernel" (the two
 * canonical halves), CR3 loaded, CPL 3.  On failure *tm is left empty. */
int trace_machine_user(struct trace_machine *tm, const struct mmu_config *cfg,
                       const struct trace_aspace_config *ac, struct vmemsim_err *err);
/* The kernel machine sparse/ builds for layout + model (the page tables a
 * live `vmemsim run` uses), its named regions, CR3 loaded, CPL 0.  Nothing is
 * mapped on demand.  On failure *tm is left empty. */
int trace_machine_kernel(struct trace_machine *tm, const struct mmu_config *cfg,
                         const struct sparse_layout *layout, enum sparse_model model,
                         const struct sparse_params *params, struct vmemsim_err *err);
void trace_machine_fini(struct trace_machine *tm);

/* May a kernel trace recorded on model `recorded` (NULL: unknown) be replayed
 * on model `to`?  Yes for the same model and between vmemmap models (struct
 * pages at the same VAs); otherwise VMEMSIM_EINVAL explaining why. */
int trace_model_change_check(const char *recorded, enum sparse_model to, struct vmemsim_err *err);

#endif /* VMEMSIM_TRACE_H */
