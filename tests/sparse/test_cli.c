/* tests/sparse/test_cli.c — `vmemsim layout` transcripts: stdout, stderr and
 * the exit code of the real binary ($VMEMSIM_BIN). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct run {
	int status;
	char out[65536], err[8192];
};

static void slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t len = f ? fread(buf, 1, n - 1, f) : 0;
	buf[len] = 0;
	if (f)
		fclose(f);
}

static void run(struct run *r, const char *args)
{
	const char *bin = getenv("VMEMSIM_BIN");
	char cmd[2048], o[64], e[64];
	snprintf(o, sizeof(o), "/tmp/vmemsim-layout-%d.out", (int)getpid());
	snprintf(e, sizeof(e), "/tmp/vmemsim-layout-%d.err", (int)getpid());
	cr_assert(bin, "VMEMSIM_BIN is not set");
	snprintf(cmd, sizeof(cmd), "%s layout %s >%s 2>%s", bin, args, o, e);
	int st = system(cmd);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	slurp(o, r->out, sizeof(r->out));
	slurp(e, r->err, sizeof(r->err));
	remove(o);
	remove(e);
}

Test(layout_cli, help_exits_zero_with_usage)
{
	static struct run r;
	run(&r, "--help");
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "usage: vmemsim layout"), "%s", r.out);
}

/* small-vm, hand-computed: ISA [0, 0x9f000) 159 x 4K; [1M, 2M) 256 x 4K
 * ([0, 2M) holds the 640K hole); [2M, 1G) 511 x 2M; [1G, 2G), [2G, 3G) (RAM
 * + the reserved ACPI range form one memblock region) and [4G, 5G) 1G. */
Test(layout_cli, small_vm_report_has_hand_computed_direct_map)
{
	static struct run r;
	run(&r, "--layout small-vm --model vmemmap-2m");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "memory model vmemmap-2m"), "%s", r.out);
	cr_assert(strstr(r.out, "Direct map: 3 x 1G, 511 x 2M, 415 x 4K"), "%s", r.out);
	cr_assert(strstr(r.out, "BIOS-e820: [mem 0x00000000bfe00000-0x00000000bfffffff] reserved"),
	          "%s", r.out);
	/* sections 0..23 and 32..39: 32 early sections, one root */
	cr_assert(strstr(r.out, "32 sections present (32 early, 32 online)"), "%s", r.out);
}

Test(layout_cli, json_reports_padding_per_hotplug_mode)
{
	static struct run r;
	json_error_t je;
	run(&r, "--layout pmem-misaligned --model vmemmap-altmap --json "
	        "--set layout.kernel.hotplug=section");
	cr_assert_eq(r.status, 0, "%s", r.err);
	json_t *o = json_loads(r.out, 0, &je);
	cr_assert(o, "%s", je.text);
	cr_assert_str_eq(json_string_value(json_object_get(o, "model")), "vmemmap-altmap");
	cr_assert_eq(json_integer_value(json_object_get(o, "padding_lost_bytes")), 198ll << 20);
	json_decref(o);
	run(&r, "--layout pmem-misaligned --model vmemmap-altmap --json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	o = json_loads(r.out, 0, &je);
	cr_assert(o, "%s", je.text);
	cr_assert_eq(json_integer_value(json_object_get(o, "padding_lost_bytes")), 0);
	cr_assert_eq(json_integer_value(json_object_get(o, "device_added_bytes")), 1862ll << 20);
	json_decref(o);
}

Test(layout_cli, unknown_model_is_a_usage_error)
{
	static struct run r;
	run(&r, "--model vmemmap");
	cr_assert_eq(r.status, 2);
	cr_assert(strstr(r.err, "unknown memory model 'vmemmap'"), "%s", r.err);
}

Test(layout_cli, missing_preset_fails)
{
	static struct run r;
	run(&r, "--layout no-such-layout");
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "vmemsim: error:"), "%s", r.err);
}

Test(layout_cli, overlapping_ranges_are_reported_with_position)
{
	static struct run r;
	/* a private directory: the normal and the ASan build may run this test
	 * at the same time, and a fixed /tmp name would be shared by both */
	char dir[] = "/tmp/vmemsim-overlap-XXXXXX", path[64], args[96];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/overlap-test.json", dir);
	snprintf(args, sizeof(args), "--layout %s", path);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("{\n  \"name\": \"bad\",\n  \"ranges\": [\n"
	      "    { \"type\": \"ram\", \"start\": 0, \"end\": \"1G\" },\n"
	      "    { \"type\": \"pmem\", \"start\": \"512M\", \"size\": \"2M\" }\n  ]\n}\n",
	      f);
	fclose(f);
	run(&r, args);
	remove(path);
	rmdir(dir);
	char want[80];
	snprintf(want, sizeof(want), "%s:5:", path);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, want) && strstr(r.err, "ranges[1]") &&
	              strstr(r.err, "overlaps ranges[0]"),
	          "%s", r.err);
}

Test(layout_cli, unknown_layout_key_in_set_is_an_error)
{
	static struct run r;
	run(&r, "--set kernel.hotplg=section");
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "hotplg") && strstr(r.err, "hotplug"), "%s", r.err);
}

/* pmem-misaligned: 41 early sections (24 below 3G, 17 from 4G to 6208M) of
 * 32768 pfns, plus pmem outside them: [6272M, 7170M) and [7298M, 8198M) =
 * 229888 + 230400 pfns. */
Test(layout_cli, verify_counts_hand_computed_valid_pfns)
{
	static struct run r;
	run(&r, "--layout pmem-misaligned --model vmemmap-altmap --verify");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "Verify: invariants hold; 1803776 valid pfns"), "%s", r.out);
	run(&r, "--layout pmem-misaligned --model sparse-static --verify");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "Verify: invariants hold; 1343488 valid pfns"), "%s", r.out);
}
