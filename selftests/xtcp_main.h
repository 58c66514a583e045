/* SPDX-License-Identifier: GPL-2.0 */
/*
 * main() for xtcp's selftests: the kselftest harness of linux-source-6.1
 * ignores its arguments, so this one picks tests itself.
 *
 *	PROGRAM [-t TEST]... [-v VARIANT]... [-l]
 *
 * keeps the tests and variants named (repeatable; all by default) and -l
 * lists them. Include after kselftest_harness.h and end the program with
 * XTCP_TEST_MAIN instead of TEST_HARNESS_MAIN.
 *
 * XTCP_TIMEOUT_SCALE=N in the environment multiplies every test's
 * timeout (the harness's 30 s, or its own) by N: the debug guest kernel
 * runs programs two to four times as slowly (scripts/vm-init sets it).
 * Only the harness's watchdog moves; the tests' own time limits do not.
 */
#ifndef XTCP_SELFTEST_MAIN_H
#define XTCP_SELFTEST_MAIN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int wanted(const char *name, char **names, int n)
{
	int i;

	if (!n)
		return 1;
	for (i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

static inline int xtcp_test_main(int argc, char **argv)
{
	struct __fixture_variant_metadata *v, *vhead, *vtail;
	struct __test_metadata *t, *thead, *ttail;
	struct __fixture_metadata *f;
	char *tests[64], *variants[8];
	int nt = 0, nv = 0, list = 0, opt, scale = 1;
	const char *env = getenv("XTCP_TIMEOUT_SCALE");

	while ((opt = getopt(argc, argv, "t:v:l")) != -1) {
		if (opt == 't' && nt < 64)
			tests[nt++] = optarg;
		else if (opt == 'v' && nv < 8)
			variants[nv++] = optarg;
		else if (opt == 'l')
			list = 1;
		else
			return fprintf(stderr, "usage: %s [-t TEST]... [-v VARIANT]... [-l]\n",
				       argv[0]), 2;
	}
	if (env && atoi(env) > 1)
		scale = atoi(env);
	for (f = __fixture_list; f; f = f->next) {
		vhead = NULL;
		vtail = NULL;
		for (v = f->variant; v; v = v->next) {
			if (!wanted(v->name, variants, nv))
				continue;
			v->prev = vtail;
			if (vtail)
				vtail->next = v;
			else
				vhead = v;
			vtail = v;
		}
		if (vtail) {
			vtail->next = NULL;
			vhead->prev = vtail;
		}
		thead = NULL;
		ttail = NULL;
		for (t = f->tests; t && (vhead || !f->variant); t = t->next) {
			if (!wanted(t->name, tests, nt))
				continue;
			if (list)
				printf("%s.%s\n", f->name, t->name);
			t->timeout *= scale;
			t->prev = ttail;
			if (ttail)
				ttail->next = t;
			else
				thead = t;
			ttail = t;
		}
		if (ttail) {
			ttail->next = NULL;
			thead->prev = ttail;
		}
		f->variant = vhead;
		f->tests = thead;
	}
	if (list)
		return 0;
	return test_harness_run(1, argv);
}

#define XTCP_TEST_MAIN \
	int main(int argc, char **argv) { return xtcp_test_main(argc, argv); }

#endif /* XTCP_SELFTEST_MAIN_H */
