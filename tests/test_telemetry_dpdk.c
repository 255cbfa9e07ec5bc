/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's own telemetry client, unmodified (/usr/bin/dpdk-telemetry.py from
 * Debian's dpdk-dev), against a running `hugemem rx` (the binary is argv[1],
 * started by fork+exec): it finds the process by --file-prefix, lists the
 * commands, and reads every one of them (parameters taken from the lists it
 * got); a second process of the same prefix is reached with -i 1; -l lists the
 * prefix. Skipped, with the reason, where dpdk-dev or python3 is not installed
 * (dpdk-dev pulls in all of DPDK's libraries, so it is not a test dependency).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"
#include "json_read.h"

#define CLIENT "/usr/bin/dpdk-telemetry.py"
#define PREFIX "tdpdk"

static const char *cli;

/* Start `hugemem rx` for a long run; its output goes to /dev/null. */
static void
start_rx(struct hm_test_child *c, const char *extra)
{
	hm_test_spawn(c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(cli, "rx", "--in-memory", "--file-prefix=" PREFIX,
				     "--topology=nodes=2;2M=64,64;lcores=0@0,1@1", "--nic-node=1",
				     "--duration=60", "--allow-drops", extra),
		.out = HM_TEST_IO_NULL, .err = HM_TEST_IO_NULL });
}

static void
stop_rx(struct hm_test_child *c)
{
	kill(c->pid, SIGINT);
	hm_test_wait(c, -1);
	/* interrupted runs exit 1 after printing their summary; never a crash */
	assert_int_equal(c->sig, 0);
}

/* Wait for instance @p inst's socket to answer. */
static void
wait_socket(unsigned int inst)
{
	char path[PATH_MAX];

	assert_int_equal(hm_telemetry_path(PREFIX, inst, path, sizeof(path)), 0);
	for (int i = 0; i < 500; i++) {
		int fd = hm_telemetry_connect(path, NULL, 0, 1000);
		if (fd >= 0) {
			close(fd);
			return;
		}
		usleep(20000);
	}
	fail_msg("no telemetry socket at %s", path);
}

/*
 * Run the client with @p args, feed it @p input on stdin; its stdout in
 * @p out (NUL-terminated). @return the exit status.
 */
static int
run_client(const char *const *args, const char *input, char *out, size_t len)
{
	return hm_test_run_stdio(HM_TEST_ARGV("/usr/bin/python3", CLIENT), args, input, out, len);
}

/* The client's output: one JSON object per line, in the order asked. */
static struct tj *
line_json(char **cursor)
{
	char *nl = strchr(*cursor, '\n'), err[128];
	struct tj *v;

	if (nl == NULL)
		fail_msg("the client printed fewer lines than commands");
	*nl = '\0';
	v = tj_parse(*cursor, strlen(*cursor), err, sizeof(err));
	if (v == NULL)
		fail_msg("the client printed something that is not JSON (%s): %s", err, *cursor);
	*cursor = nl + 1;
	return v;
}

static void
test_telemetry_dpdk_client(void **state)
{
	static char out[1 << 20];
	static char input[16384];
	const char *args[] = { "-f", PREFIX, NULL };
	char *cur;
	struct tj *v, *list;
	const struct tj *cmds;
	size_t used = 0;
	struct hm_test_child rx;

	(void)state;
	start_rx(&rx, NULL);
	wait_socket(0);

	/* first the list of commands */
	assert_int_equal(run_client(args, "/\n", out, sizeof(out)), 0);
	cur = out;
	list = line_json(&cur);
	cmds = tj_get(list, "/");
	assert_non_null(cmds);
	assert_true(cmds->n >= 20);

	/* then every command, with parameters where it takes them */
	for (uint32_t i = 0; i < cmds->n; i++) {
		const char *c = cmds->kids[i].str;
		const char *param = NULL;
		if (strcmp(c, "/eal/memzone_info") == 0 || strcmp(c, "/eal/heap_info") == 0 ||
		    strcmp(c, "/hugemem/memseg_list") == 0 || strcmp(c, "/hugemem/heap_map") == 0)
			param = "1";
		else if (strcmp(c, "/mempool/info") == 0)
			param = "rx_mbuf_pool";
		else if (strcmp(c, "/hugemem/ring") == 0)
			param = "MP_rx_mbuf_pool";
		else if (strcmp(c, "/help") == 0)
			param = "/eal/params";
		else if (strncmp(c, "/hugemem/heap_map_", 18) == 0 || strncmp(c, "/hugemem/nic/", 13) == 0)
			param = "0";
		used += (size_t)snprintf(input + used, sizeof(input) - used, "%s%s%s\n", c,
					 param != NULL ? "," : "", param != NULL ? param : "");
	}
	/* the heap map parts need the snapshot of this connection: ask for it first */
	{
		char tmp[sizeof(input)];
		snprintf(tmp, sizeof(tmp), "/hugemem/heap_map,1\n%s", input);
		snprintf(input, sizeof(input), "%s", tmp);
	}
	assert_int_equal(run_client(args, input, out, sizeof(out)), 0);
	cur = out;
	tj_free(line_json(&cur)); /* the heap_map asked first */
	for (uint32_t i = 0; i < cmds->n; i++) {
		const char *c = cmds->kids[i].str;
		v = line_json(&cur);
		assert_int_equal(v->type, TJ_OBJ);
		assert_int_equal(v->n, 1);
		if (strcmp(v->kids[0].name, c) != 0)
			fail_msg("asked %s, the client printed %s", c, v->kids[0].name);
		/* every command answers something (null is a failure here) */
		if (v->kids[0].type == TJ_NULL)
			fail_msg("%s answered null", c);
		tj_free(v);
	}
	tj_free(list);

	/* DPDK's shapes, checked on a few */
	assert_int_equal(run_client(args, "/info\n/eal/heap_list\n/mempool/info,rx_mbuf_pool\n",
				    out, sizeof(out)), 0);
	cur = out;
	v = line_json(&cur);
	assert_non_null(tj_get(tj_get(v, "/info"), "max_output_len"));
	tj_free(v);
	v = line_json(&cur);
	assert_int_equal(tj_get(v, "/eal/heap_list")->type, TJ_ARR);
	tj_free(v);
	v = line_json(&cur);
	{
		const struct tj *mp = tj_get(v, "/mempool/info");
		static const char *const fields[] = {
			"name", "pool_id", "flags", "socket_id", "size", "cache_size", "elt_size",
			"header_size", "trailer_size", "private_data_size", "ops_index",
			"populated_size", "total_cache_count", "common_pool_count", "mz_name",
			"mz_len", "mz_hugepage_sz", "mz_socket_id", "mz_flags",
		};
		for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
			if (tj_get(mp, fields[k]) == NULL)
				fail_msg("/mempool/info has no %s", fields[k]);
	}
	tj_free(v);

	/* a second process of the same prefix: instance 1, as DPDK numbers them */
	{
		struct hm_test_child rx2;
		const char *args1[] = { "-f", PREFIX, "-i", "1", NULL };
		const char *argsl[] = { "-l", NULL };
		uint64_t pid1;

		start_rx(&rx2, NULL);
		wait_socket(1);
		assert_int_equal(run_client(args1, "/hugemem/info\n", out, sizeof(out)), 0);
		cur = out;
		v = line_json(&cur);
		assert_true(tj_u64(tj_get(tj_get(v, "/hugemem/info"), "pid"), &pid1));
		assert_int_equal(pid1, (uint64_t)rx2.pid);
		assert_int_equal(tj_u64(tj_get(tj_get(v, "/hugemem/info"), "telemetry_instance"),
					&pid1), true);
		assert_int_equal(pid1, 1);
		tj_free(v);
		assert_int_equal(run_client(argsl, "", out, sizeof(out)), 0);
		assert_non_null(strstr(out, PREFIX));
		assert_non_null(strstr(out, "-i 1"));
		stop_rx(&rx2);
	}
	stop_rx(&rx);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_telemetry_dpdk_client),
	};

	if (argc < 2)
		hm_test_skip_all("usage: test_telemetry_dpdk <hugemem binary>");
	cli = argv[1];
	if (access(CLIENT, R_OK) != 0)
		hm_test_skip_all("%s is not installed (Debian package dpdk-dev: apt-get install "
				 "dpdk-dev; it pulls in all of DPDK's libraries, so it is not a test "
				 "dependency)", CLIENT);
	if (access("/usr/bin/python3", X_OK) != 0)
		hm_test_skip_all("python3 is not installed (DPDK's client is a python3 script)");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
