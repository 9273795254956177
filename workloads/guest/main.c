/*
 * workloads/guest/main.c — the guest's entry: check the blocks the host
 * filled, then run one phase of one workload.
 */
#include "guest.h"

/* Filled by the host before start; in .data so they exist in the file. */
struct sparse_boot_params boot_params __attribute__((section(".data"))) = {0};
struct wl_params wl_params __attribute__((section(".data"))) = {0};
struct wl_result wl_result __attribute__((section(".data"))) = {0};

void wl_main(void);

int wl_fail(uint64_t status, uint64_t aux0, uint64_t aux1)
{
	wl_result.status = status;
	wl_result.aux[0] = aux0;
	wl_result.aux[1] = aux1;
	return (int)status;
}

/* The constants mm.h compiles in must be the layout's. */
static int wl_check_abi(void)
{
	if (boot_params.page_shift != PAGE_SHIFT)
		return wl_fail(WL_ERR_ABI, WL_ABI_PAGE_SHIFT, boot_params.page_shift);
	if (boot_params.pfn_section_shift != PFN_SECTION_SHIFT)
		return wl_fail(WL_ERR_ABI, WL_ABI_SECTION_SHIFT, boot_params.pfn_section_shift);
	if (!IS_FLATMEM && boot_params.sections_per_root != SECTIONS_PER_ROOT)
		return wl_fail(WL_ERR_ABI, WL_ABI_SECTIONS_PER_ROOT, boot_params.sections_per_root);
	if (boot_params.struct_page_size != sizeof(struct page))
		return wl_fail(WL_ERR_ABI, WL_ABI_STRUCT_PAGE, boot_params.struct_page_size);
	if (boot_params.memory_model != GUEST_MODEL)
		return wl_fail(WL_ERR_ABI, WL_ABI_MODEL, boot_params.memory_model);
	if (IS_CLASSIC_SPARSE && (boot_params.sections_pgshift != SECTIONS_PGSHIFT ||
	                          boot_params.sections_width != SECTIONS_WIDTH))
		return wl_fail(WL_ERR_ABI, WL_ABI_SECTIONS_FIELD,
		               boot_params.sections_pgshift << 8 | boot_params.sections_width);
	return 0;
}

static int wl_dispatch(int phase)
{
	switch (wl_params.workload) {
	case WL_PFN_SCAN: return wl_pfn_scan(phase);
	case WL_RANDOM_TOUCH: return wl_random_touch(phase);
	case WL_PAGE_TO_PFN: return wl_page_to_pfn(phase);
	case WL_BUDDY: return wl_buddy(phase);
	case WL_ZONE_DEVICE: return wl_zone_device(phase);
	case WL_KMAP_LIST: return wl_kmap(phase, 0);
	case WL_KMAP_TABLE: return wl_kmap(phase, 1);
	case WL_CHASE: return wl_chase(phase);
	}
	return wl_fail(WL_ERR_PARAMS, wl_params.workload, 0);
}

void wl_main(void)
{
	int phase = (int)wl_params.phase;
	uint64_t done = wl_result.magic == WL_RESULT_MAGIC ? wl_result.phase : 0;

	wl_result.status = WL_OK;
	wl_result.phase = 0;
	if (boot_params.magic != SPARSE_BOOT_MAGIC || boot_params.version < SPARSE_BOOT_VERSION) {
		wl_fail(WL_ERR_BOOT_PARAMS, boot_params.magic, boot_params.version);
	} else if (wl_params.magic != WL_PARAMS_MAGIC) {
		wl_fail(WL_ERR_PARAMS, wl_params.magic, 0);
	} else if (phase != WL_PHASE_SETUP && phase != WL_PHASE_MEASURE) {
		wl_fail(WL_ERR_PHASE, (uint64_t)phase, 0);
	} else if (wl_check_abi() == 0) {
		if (phase == WL_PHASE_MEASURE && done != WL_PHASE_SETUP)
			wl_fail(WL_ERR_PHASE, (uint64_t)phase, done);
		else if (wl_dispatch(phase) == 0)
			wl_result.phase = (uint64_t)phase;
	}
	wl_result.magic = WL_RESULT_MAGIC;
}
