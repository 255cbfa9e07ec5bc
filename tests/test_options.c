/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Options from the environment and from one line: every option --NAME of
 * hm_usage() has the default $HUGEMEM_<NAME> and behaves there exactly as on the
 * command line (checked generically, so a new option needs no test change);
 * $HUGEMEM_OPTS is split like /bin/sh splits words (compared against sh on
 * random lines); precedence is variables < HUGEMEM_OPTS < argv; a bad value is
 * refused naming the variable and changes nothing; an ambiguous abbreviation
 * says so and lists the candidates.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"
#include "init_i.h"

/* Every HUGEMEM_* variable this file sets, cleared before and after each test. */
static void
clear_env(void)
{
	extern char **environ;
	char name[128];

	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e != NULL; e++) {
			size_t n = strcspn(*e, "=");
			if (strncmp(*e, "HUGEMEM_", 8) != 0 || n >= sizeof(name) ||
			    strncmp(*e, "HUGEMEM_TEST_", 13) == 0 ||
			    strncmp(*e, "HUGEMEM_RUNTIME_DIR=", 20) == 0)
				continue;
			memcpy(name, *e, n);
			name[n] = '\0';
			unsetenv(name);
			again = 1;
			break;
		}
	}
}

static int
setup(void **state)
{
	(void)state;
	clear_env();
	return 0;
}

static int
teardown(void **state)
{
	clear_env();
	return hm_test_teardown(state);
}

static void
test_options_invalid_args(void **state)
{
	struct hm_config c, c0;
	char buf[16], big[1024], words[1024];
	(void)state;

	hm_config_init(&c);
	c0 = c;
	assert_int_equal(hm_config_from_env(NULL), -EINVAL);
	assert_int_equal(hm_config_parse_line(NULL, "--in-memory", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(hm_config_parse_line(&c, NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(hm_config_parse_line(&c, "--in-memory", NULL, sizeof(buf)), -EINVAL);
	assert_int_equal(hm_config_parse_line(&c, "--in-memory", buf, 0), -EINVAL);
	/* the words do not fit: -ENOSPC, nothing changed */
	assert_int_equal(hm_config_parse_line(&c, "--topology=nodes=2;2M=4,4", buf, sizeof(buf)),
			 -ENOSPC);
	assert_memory_equal(&c, &c0, sizeof(c));
	/* strlen(line) + 1 bytes always suffice */
	const char *l = "  --in-memory   '--topology=nodes=1'  ";
	char exact[64];
	assert_int_equal(hm_config_parse_line(&c, l, exact, strlen(l) + 1), 2);
	assert_true(c.in_memory);
	assert_string_equal(c.topology, "nodes=1");
	/* 65 words */
	c = c0;
	big[0] = '\0';
	for (int i = 0; i < 65; i++)
		strcat(big, "--in-memory ");
	assert_int_equal(hm_config_parse_line(&c, big, words, sizeof(words)), -E2BIG);
	assert_memory_equal(&c, &c0, sizeof(c));
	/* an empty line is no option at all */
	assert_int_equal(hm_config_parse_line(&c, " \t\n", buf, sizeof(buf)), 0);
	assert_memory_equal(&c, &c0, sizeof(c));
}

/* The words /bin/sh makes of @p line (no expansions happen: the alphabet has no
 * $, `, globs or operators), NUL-separated into @p out; -1 when sh refuses it. */
static int
sh_words(const char *line, char *out, size_t len)
{
	struct hm_test_child c;
	size_t got;

	hm_test_spawn(&c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV("/bin/sh", "-c",
				     "eval \"set -- $1\" 2>/dev/null || exit 3; for w; do "
				     "printf '%s\\0' \"$w\"; done",
				     "sh", line),
		.out = HM_TEST_IO_PIPE });
	got = hm_test_communicate(&c, NULL, out, len);
	hm_test_wait(&c, -1);
	assert_int_equal(c.sig, 0);
	if (c.status == 2 || c.status == 3)
		return -1; /* a syntax error ends sh with 2 before our || exit 3 */
	assert_int_equal(c.status, 0);
	return (int)got;
}

static void
test_options_line_splits_like_sh(void **state)
{
	static const char alphabet[] = "ab=-,'\"\\ \t";
	uint64_t rng = hm_test_seed();
	char line[40], buf[64], want[256], *words[HM_INIT_LINE_MAX_WORDS];
	(void)state;

	hm_test_quiet_log();
	for (int iter = 0; iter < 300; iter++) {
		size_t n = hm_test_rand(&rng) % (sizeof(line) - 1);
		for (size_t i = 0; i < n; i++)
			line[i] = alphabet[hm_test_rand(&rng) % (sizeof(alphabet) - 1)];
		line[n] = '\0';
		int got = init_split_line(line, buf, sizeof(buf), words);
		int wlen = sh_words(line, want, sizeof(want));
		if (wlen < 0) {
			if (got != -EINVAL)
				fail_msg("sh refuses [%s], we made %d words", line, got);
			continue;
		}
		if (got < 0)
			fail_msg("[%s]: sh splits it, we said %d: %s", line, got, hm_last_error());
		/* the same words in the same order */
		int off = 0;
		for (int w = 0; w < got; w++) {
			if (off >= wlen || strcmp(words[w], want + off) != 0)
				fail_msg("[%s]: word %d is [%s], sh says [%s]", line, w, words[w],
					 off < wlen ? want + off : "(none)");
			off += (int)strlen(want + off) + 1;
		}
		if (off != wlen)
			fail_msg("[%s]: sh has more words than our %d", line, got);
	}
	/* the cases the docs name */
	assert_int_equal(init_split_line("--topology='nodes=2;2M=4,4' --file-prefix=\"a \\\"b\\\"\" c\\ d",
					 buf, sizeof(buf), words), 3);
	assert_string_equal(words[0], "--topology=nodes=2;2M=4,4");
	assert_string_equal(words[1], "--file-prefix=a \"b\"");
	assert_string_equal(words[2], "c d");
	assert_int_equal(init_split_line("'x", buf, sizeof(buf), words), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "unterminated ' quote"));
	assert_int_equal(init_split_line("\"x", buf, sizeof(buf), words), -EINVAL);
	assert_int_equal(init_split_line("x\\", buf, sizeof(buf), words), 1);
	assert_string_equal(words[0], "x\\"); /* as sh keeps it */
}

/* The config fields that are pointers: compared as strings, then cleared. */
static void
strings_equal_then_clear(struct hm_config *a, struct hm_config *b)
{
	const char **fa[] = { &a->backend, &a->topology, &a->fault, &a->file_prefix,
			      &a->runtime_dir, &a->huge_dir, &a->leak_heapmap };
	const char **fb[] = { &b->backend, &b->topology, &b->fault, &b->file_prefix,
			      &b->runtime_dir, &b->huge_dir, &b->leak_heapmap };

	for (size_t i = 0; i < sizeof(fa) / sizeof(fa[0]); i++) {
		if ((*fa[i] == NULL) != (*fb[i] == NULL))
			fail_msg("string field %zu: %s vs %s", i, *fa[i] ? *fa[i] : "NULL",
				 *fb[i] ? *fb[i] : "NULL");
		if (*fa[i] != NULL)
			assert_string_equal(*fa[i], *fb[i]);
		*fa[i] = *fb[i] = NULL;
	}
}

/*
 * Every long option listed by hm_usage() behaves the same from $HUGEMEM_<NAME>
 * as on the command line, for good and bad values alike.
 */
static void
test_options_every_option_has_its_variable(void **state)
{
	static const char *const values[] = { "1", "64", "2M", "0", "on", "off", "pa", "never",
					      "debug", "nodes=1", "/abs/dir", "x y", "-3" };
	const char *u = hm_usage(), *rd = getenv("HUGEMEM_RUNTIME_DIR");
	char run_dir[1024];
	unsigned int options = 0;
	(void)state;

	/* the suite's runtime dir is a variable too: out of the way while comparing */
	snprintf(run_dir, sizeof(run_dir), "%s", rd != NULL ? rd : "");
	unsetenv("HUGEMEM_RUNTIME_DIR");

	hm_test_quiet_log();
	/* one option per line: "  --name=ARG", "  --name[=...]", "  --flag", "  -m, --name=..." */
	for (const char *p = u; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL) {
		char name[64], var[80], opt[128];
		const char *q = p + strspn(p, " ");
		size_t n;
		bool flag;

		if (strncmp(q, "-m, ", 4) == 0)
			q += 4;
		if (strncmp(q, "--", 2) != 0)
			continue;
		n = strspn(q + 2, "abcdefghijklmnopqrstuvwxyz-");
		flag = q[2 + n] == ' ' || q[2 + n] == '\n';
		assert_true(n > 0 && n < sizeof(name));
		memcpy(name, q + 2, n);
		name[n] = '\0';
		snprintf(var, sizeof(var), "HUGEMEM_");
		for (size_t i = 0; i < n; i++)
			var[8 + i] = name[i] == '-' ? '_' : (char)(name[i] - 'a' + 'A');
		var[8 + n] = '\0';
		options++;
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			struct hm_config a, b;
			char *argv[4] = { (char *)"prog", (char *)"--backend=hugetlbfs", opt, NULL };
			int ra, rb;

			if (flag && strcmp(values[v], "1") != 0)
				continue;
			snprintf(opt, sizeof(opt), flag ? "--%s" : "--%s=%s", name, values[v]);
			hm_config_init(&a);
			ra = hm_config_parse(&a, 3, argv);
			/* the same through the environment (the backend of its options) */
			clear_env();
			setenv("HUGEMEM_BACKEND", "hugetlbfs", 1);
			setenv(var, values[v], 1);
			hm_config_init(&b);
			rb = hm_config_from_env(&b);
			unsetenv(var); /* HUGEMEM_RUNTIME_DIR outlives clear_env */
			if (ra < 0) {
				if (rb != ra)
					fail_msg("%s=%s: %d from the environment, %d as %s", var,
						 values[v], rb, ra, opt);
				assert_non_null(strstr(hm_last_error(), var));
				continue;
			}
			if (rb != 0)
				fail_msg("%s=%s refused (%s) while %s is accepted", var, values[v],
					 hm_last_error(), opt);
			strings_equal_then_clear(&a, &b);
			assert_memory_equal(&a, &b, sizeof(a));
		}
		clear_env();
	}
	if (run_dir[0] != '\0')
		setenv("HUGEMEM_RUNTIME_DIR", run_dir, 1);
	/* the table has at least the options of today's docs/options.md */
	assert_true(options >= 19);
}

static void
test_options_precedence(void **state)
{
	struct hm_config c;
	char *argv[4] = { (char *)"prog", NULL, NULL, NULL };
	(void)state;

	/* variables only */
	setenv("HUGEMEM_FILE_PREFIX", "fromvar", 1);
	setenv("HUGEMEM_TOPOLOGY", "nodes=3;2M=2,2,2", 1);
	setenv("HUGEMEM_IN_MEMORY", "yes", 1);
	setenv("HUGEMEM_LEGACY_MEM", "off", 1); /* a flag turned off: not set */
	setenv("HUGEMEM_MALLOC_CACHE", "0", 1);
	hm_config_init(&c);
	assert_int_equal(hm_config_from_env(&c), 0);
	assert_string_equal(c.file_prefix, "fromvar");
	assert_string_equal(c.topology, "nodes=3;2M=2,2,2");
	assert_true(c.in_memory);
	assert_false(c.legacy_mem);
	assert_true(c.no_malloc_cache);
	/* HUGEMEM_OPTS over the variables */
	setenv("HUGEMEM_OPTS", "--file-prefix=fromopts --log-level=info", 1);
	hm_config_init(&c);
	assert_int_equal(hm_config_from_env(&c), 0);
	assert_string_equal(c.file_prefix, "fromopts");
	assert_string_equal(c.topology, "nodes=3;2M=2,2,2");
	assert_int_equal(c.log_level, HM_LOG_INFO);
	/* an empty variable is no default */
	setenv("HUGEMEM_TOPOLOGY", "", 1);
	hm_config_init(&c);
	assert_int_equal(hm_config_from_env(&c), 0);
	assert_null(c.topology);
	setenv("HUGEMEM_TOPOLOGY", "nodes=3;2M=2,2,2", 1);

	/* hm_init: argv over both; its count is argv's options only */
	argv[1] = (char *)"--file-prefix=fromargv";
	argv[2] = (char *)"--topology=nodes=2;2M=2,2";
	assert_int_equal(hm_init(3, argv), 2);
	assert_non_null(strstr(hm_runtime_dir(), "/fromargv"));
	assert_int_equal(hm_socket_count(), 2);
	assert_int_equal(hm_log_get_level(), HM_LOG_INFO); /* from HUGEMEM_OPTS */
	assert_int_equal(hm_cleanup(), 0);
	hm_log_set_level(HM_LOG_NOTICE);
	/* without argv the environment decides */
	argv[1] = NULL;
	assert_int_equal(hm_init(1, argv), 0);
	assert_non_null(strstr(hm_runtime_dir(), "/fromopts"));
	assert_int_equal(hm_socket_count(), 3);
	assert_int_equal(hm_cleanup(), 0);
	hm_log_set_level(HM_LOG_NOTICE);
}

static void
test_options_bad_env_is_refused_naming_it(void **state)
{
	static const struct {
		const char *var, *val, *says;
	} bad[] = {
		{ "HUGEMEM_IOVA_MODE", "zz", "--iova-mode: 'zz'" },
		{ "HUGEMEM_MEMORY", "lots", "-m/--memory" },
		{ "HUGEMEM_IN_MEMORY", "maybe", "is a flag" },
		{ "HUGEMEM_MALLOC_CACHE", "3", "--malloc-cache" },
		{ "HUGEMEM_MEMPOOL_DEBUG", "loud", "--mempool-debug" },
		{ "HUGEMEM_OPTS", "--in-memory 'x", "unterminated ' quote" },
		{ "HUGEMEM_OPTS", "--in-memory app", "'app' is not an option" },
		{ "HUGEMEM_OPTS", "--bogus", "unknown option '--bogus'" },
		{ "HUGEMEM_OPTS", "--huge", "ambiguous option '--huge'" },
		/* an option of another backend than the one selected */
		{ "HUGEMEM_HUGE_DIR", "/mnt/huge", "belongs to the hugetlbfs backend" },
	};
	char *argv[3] = { (char *)"prog", (char *)"--in-memory", NULL };
	(void)state;

	hm_test_quiet_log();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hm_config c, c0;

		clear_env();
		setenv(bad[i].var, bad[i].val, 1);
		hm_config_init(&c);
		c0 = c;
		assert_int_equal(hm_config_from_env(&c), -EINVAL);
		assert_memory_equal(&c, &c0, sizeof(c));
		if (strstr(hm_last_error(), bad[i].var) == NULL ||
		    strstr(hm_last_error(), bad[i].says) == NULL)
			fail_msg("%s=%s: message '%s' lacks '%s'", bad[i].var, bad[i].val,
				 hm_last_error(), bad[i].says);
		/* hm_init refuses too and starts nothing */
		assert_int_equal(hm_init(2, argv), -EINVAL);
		assert_non_null(strstr(hm_last_error(), bad[i].var));
		assert_false(hm_initialized());
	}
	/* the backend's own variable makes HUGEMEM_HUGE_DIR acceptable to the parser */
	clear_env();
	setenv("HUGEMEM_HUGE_DIR", "/mnt/huge", 1);
	setenv("HUGEMEM_BACKEND", "hugetlbfs", 1);
	struct hm_config c;
	hm_config_init(&c);
	assert_int_equal(hm_config_from_env(&c), 0);
	assert_string_equal(c.huge_dir, "/mnt/huge");
	/* and --backend=emu on the command line brings the refusal back */
	char *argv2[4] = { (char *)"prog", (char *)"--backend=emu", (char *)"--in-memory", NULL };
	assert_int_equal(hm_init(3, argv2), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "HUGEMEM_HUGE_DIR"));
	assert_false(hm_initialized());
}

static void
test_options_ambiguous_abbreviation(void **state)
{
	static const struct {
		const char *arg, *says;
	} cases[] = {
		{ "--huge", "ambiguous option '--huge' (could be --huge-dir, --huge-unlink)" },
		{ "--huge=/x", "ambiguous option '--huge' (could be --huge-dir, --huge-unlink)" },
		{ "--so", "ambiguous option '--so' (could be --socket-mem, --socket-limit)" },
		{ "--mem", "ambiguous option '--mem' (could be --memory, --mempool-debug)" },
		{ "--bogus", "unknown option '--bogus'" },
		{ "--in-memory=1", "option --in-memory takes no value" },
	};
	(void)state;

	hm_test_quiet_log();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hm_config c;
		char *argv[3] = { (char *)"prog", (char *)cases[i].arg, NULL };

		hm_config_init(&c);
		assert_int_equal(hm_config_parse(&c, 2, argv), -EINVAL);
		if (strstr(hm_last_error(), cases[i].says) == NULL)
			fail_msg("%s: '%s' lacks '%s'", cases[i].arg, hm_last_error(), cases[i].says);
	}
	/* a unique abbreviation is the option */
	struct hm_config c;
	char *argv[3] = { (char *)"prog", (char *)"--topo=nodes=1", NULL };
	hm_config_init(&c);
	assert_int_equal(hm_config_parse(&c, 2, argv), 1);
	assert_string_equal(c.topology, "nodes=1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_options_invalid_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_line_splits_like_sh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_every_option_has_its_variable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_options_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_bad_env_is_refused_naming_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_options_ambiguous_abbreviation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
