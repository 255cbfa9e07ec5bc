/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem heapmap`: draw a heap (SVG and a compact text map) from a running
 * process, through its telemetry socket (--prefix), or from a snapshot file
 * (--from, written by --json or `hugemem rx --heapmap=FILE.json`). It does not
 * start hugemem itself.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "hugemem/hugemem.h"

static const char usage_text[] =
	"usage: hugemem heapmap (--prefix=NAME [--instance=N] | --from=FILE) [options]\n"
	"\n"
	"Draw one heap: every segment and page, every block coloured by state (busy by\n"
	"type tag, free, cached, padding), free space by size class, the largest free\n"
	"block, fragmentation, and the pages that could be returned.\n"
	"\n"
	"  --prefix=NAME     a running hugemem process of that --file-prefix, through its\n"
	"                    telemetry socket (where dpdk-telemetry.py -f NAME looks)\n"
	"  --instance=N      its socket's instance suffix (dpdk-telemetry.py -i N; 0)\n"
	"  --from=FILE       a snapshot written by --json or `hugemem rx --heapmap=FILE.json`\n"
	"  --heap=N          heap id, as /eal/heap_list gives (0: node 0's heap)\n"
	"  --svg=FILE        write the SVG heap map to FILE\n"
	"  --json=FILE       write the snapshot to FILE (--from reads it back)\n"
	"  --cols=N          characters per row of the text map, 16..256 (64)\n"
	"  --rows=N          rows of the text map at most (32)\n"
	"  --quiet           no text map on standard output\n"
	"\n" HM_CLI_EXIT_HELP;

static int HM_PRINTF(1, 2)
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hugemem heapmap: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (hugemem heapmap --help lists the options)\n");
	return HM_EXIT_USAGE;
}

static int
parse_num(const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 10);
	return errno != 0 || *end != '\0' || *out > max ? -1 : 0;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			size_t c = cap == 0 ? 65536 : cap * 2;
			char *b = realloc(buf, c);
			if (b == NULL || c > (1ULL << 31)) {
				free(b != NULL ? b : buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = b;
			cap = c;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		free(buf);
		fclose(f);
		errno = e != 0 ? e : EIO;
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int
write_out(const char *path, const struct hm_heap_snapshot *s, bool svg, const char *title)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL) {
		fprintf(stderr, "hugemem heapmap: %s: %s\n", path, strerror(errno));
		return HM_EXIT_FAIL;
	}
	rc = svg ? hm_heapmap_svg(s, title, f) : hm_heapmap_json_write(s, f);
	if (rc < 0) {
		fprintf(stderr, "hugemem heapmap: %s: %s\n", path, hm_last_error());
		fclose(f);
		return HM_EXIT_FAIL;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "hugemem heapmap: %s: %s\n", path, strerror(errno));
		return HM_EXIT_FAIL;
	}
	return HM_EXIT_OK;
}

int
cmd_heapmap(int argc, char **argv)
{
	const char *prefix = NULL, *from = NULL, *svg = NULL, *json = NULL;
	unsigned long instance = 0, heap = 0, cols = 64, rows = 32;
	struct hm_heap_snapshot *s;
	char title[160];
	bool quiet = false;
	int ret = HM_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');
		size_t kl = v != NULL ? (size_t)(v - a) : strlen(a);
#define KEY(k) (kl == strlen(k) && strncmp(a, k, kl) == 0)
		if (v != NULL)
			v++;
		if (KEY("--help") || KEY("-h")) {
			fputs(usage_text, stdout);
			return cli_output_status("heapmap", HM_EXIT_OK);
		}
		if (KEY("--quiet")) {
			if (v != NULL)
				return usage_error("option --quiet takes no value (got '%s')", a);
			quiet = true;
			continue;
		}
		if (!(KEY("--prefix") || KEY("--instance") || KEY("--from") || KEY("--heap") ||
		      KEY("--svg") || KEY("--json") || KEY("--cols") || KEY("--rows")))
			return usage_error("unknown option '%s'", a);
		if (v == NULL || *v == '\0')
			return usage_error("option %s needs =VALUE", a);
		if (KEY("--prefix"))
			prefix = v;
		else if (KEY("--from"))
			from = v;
		else if (KEY("--svg"))
			svg = v;
		else if (KEY("--json"))
			json = v;
		else if (KEY("--instance") && parse_num(v, HM_TELEMETRY_MAX_INSTANCES - 1, &instance))
			return usage_error("bad value in %s (an instance 0..63)", a);
		else if (KEY("--heap") && parse_num(v, HM_MAX_HEAPS - 1, &heap))
			return usage_error("bad value in %s (a heap id 0..31)", a);
		else if (KEY("--cols") && (parse_num(v, 256, &cols) || cols < 16))
			return usage_error("bad value in %s (16..256 characters)", a);
		else if (KEY("--rows") && (parse_num(v, 100000, &rows) || rows == 0))
			return usage_error("bad value in %s (1..100000 rows)", a);
#undef KEY
	}
	if ((prefix == NULL) == (from == NULL))
		return usage_error("%s", "give exactly one of --prefix=NAME (a running process) "
				   "and --from=FILE (a snapshot)");
	if (from != NULL) {
		size_t len = 0;
		char *text = read_file(from, &len);

		if (text == NULL) {
			fprintf(stderr, "hugemem heapmap: --from=%s: %s\n", from, strerror(errno));
			return HM_EXIT_FAIL;
		}
		s = hm_heapmap_json_read(text, len);
		free(text);
		if (s == NULL) {
			fprintf(stderr, "hugemem heapmap: --from=%s: %s\n", from, hm_last_error());
			return HM_EXIT_FAIL;
		}
		snprintf(title, sizeof(title), "%.140s", from);
	} else {
		s = hm_heapmap_fetch(prefix, (unsigned int)instance, (int)heap);
		if (s == NULL) {
			fprintf(stderr, "hugemem heapmap: --prefix=%s: %s\n", prefix, hm_last_error());
			return HM_EXIT_FAIL;
		}
		snprintf(title, sizeof(title), "file prefix %.64s, instance %lu", prefix, instance);
	}
	if (!quiet && hm_heapmap_text(s, (unsigned int)cols, (unsigned int)rows, stdout) < 0) {
		fprintf(stderr, "hugemem heapmap: %s\n", hm_last_error());
		ret = HM_EXIT_FAIL;
	}
	if (svg != NULL && write_out(svg, s, true, title) != HM_EXIT_OK)
		ret = HM_EXIT_FAIL;
	if (json != NULL && write_out(json, s, false, title) != HM_EXIT_OK)
		ret = HM_EXIT_FAIL;
	hm_heap_snapshot_free(s);
	return cli_output_status("heapmap", ret);
}
