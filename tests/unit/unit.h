/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for the host unit tests of xtcp's
 * kernel-independent code (built with ASan and UBSan by `make unit`).
 *
 *	UNIT_TEST(name) { CHECK(expr); ... }
 *	int main(void) { return unit_run(); }
 */
#ifndef XTCP_UNIT_H
#define XTCP_UNIT_H

#include <stdio.h>

struct unit_test {
	const char *name;
	void (*fn)(int *failed);
};

#define UNIT_MAX 256
static struct unit_test unit_tests[UNIT_MAX];
static int unit_count;

#define UNIT_TEST(tname)						\
	static void tname(int *failed);					\
	__attribute__((constructor)) static void reg_##tname(void)	\
	{								\
		if (unit_count < UNIT_MAX)				\
			unit_tests[unit_count++] =			\
				(struct unit_test){ #tname, tname };	\
	}								\
	static void tname(int *failed)

/* Record a failed expectation and go on with the test. */
#define CHECK(expr) do {						\
		if (!(expr)) {						\
			printf("# %s:%d: CHECK(%s) failed\n",		\
			       __FILE__, __LINE__, #expr);		\
			*failed = 1;					\
		}							\
	} while (0)

static inline int unit_run(void)
{
	int i, bad = 0;

	printf("TAP version 13\n1..%d\n", unit_count);
	for (i = 0; i < unit_count; i++) {
		int failed = 0;

		unit_tests[i].fn(&failed);
		printf("%sok %d %s\n", failed ? "not " : "", i + 1,
		       unit_tests[i].name);
		bad += failed;
	}
	return bad ? 1 : 0;
}

#endif /* XTCP_UNIT_H */
