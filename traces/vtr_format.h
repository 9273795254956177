/*
 * traces/vtr_format.h — the .vtr layout as constants (docs/trace-format.md is
 * the specification; keep the two in step), little-endian helpers and the
 * block checksum.  Inside the traces module only.
 */
#ifndef VMEMSIM_VTR_FORMAT_H
#define VMEMSIM_VTR_FORMAT_H

#include <assert.h>
#include <stdint.h>
#include <string.h>

/* zstd skippable frames carry everything that is not record data, so the
 * whole file is a valid zstd stream (RFC 8878 §3.1.2). */
#define VTR_FRAME_HEADER  0x184D2A50u
#define VTR_FRAME_BLOCK   0x184D2A51u
#define VTR_FRAME_TRAILER 0x184D2A52u

#define VTR_MAGIC         "VMSTRACE" /* 8 bytes at offset 8 */
#define VTR_TRAILER_MAGIC "VTRAILER"
#define VTR_END_MAGIC     "VTR-END!"  /* last 8 bytes of the file */
#define VTR_BLOCK_MAGIC   0x4B4C4256u /* "VBLK" */

#define VTR_HDR_FIXED         80u /* bytes before the metadata */
#define VTR_HDR_MAX_METADATA  (16u << 20)
#define VTR_BLK_HDR           36u /* frame magic .. checksum */
#define VTR_TRL_FIXED         64u /* frame magic .. nr_blocks */
#define VTR_INDEX_ENTRY       16u
#define VTR_MAX_BLOCK_RECORDS (1u << 20)

/* Bytes per record in a block's raw payload: type u8, size u16, va delta
 * u64, pc delta u64, stored as four columns. */
#define VTR_RAW_PER_REC 19u

#define VTR_UNKNOWN UINT64_MAX

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "vtr code assumes a little-endian host");

static inline uint16_t vtr_get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}
static inline uint32_t vtr_get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static inline uint64_t vtr_get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}
static inline void vtr_put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}
static inline void vtr_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static inline void vtr_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Block/header checksum: 8 bytes at a time, multiply-xor-rotate, folded to 32
 * bits.  It detects corruption; it is not meant to resist an adversary.  The
 * exact definition is in docs/trace-format.md. */
static inline uint64_t vtr_hash_update(uint64_t h, const uint8_t *p, size_t len)
{
	const uint64_t k = 0x9E3779B97F4A7C15ull;
	while (len >= 8) {
		h = (h ^ vtr_get64(p)) * k;
		h = (h << 31) | (h >> 33);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint8_t tail[8] = {0};
		memcpy(tail, p, len);
		h = (h ^ vtr_get64(tail) ^ ((uint64_t)len << 56)) * k;
		h = (h << 31) | (h >> 33);
	}
	return h;
}
static inline uint32_t vtr_hash_final(uint64_t h)
{
	h ^= h >> 32;
	h *= 0xD6E8FEB86659FD93ull;
	h ^= h >> 32;
	return (uint32_t)h;
}
#define VTR_HASH_SEED 0x76746D2D68617368ull /* "vtm-hash" */

#endif /* VMEMSIM_VTR_FORMAT_H */
