// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the foundation's kernel-independent code: the counter
 * list (mib.h) and the module parameter check (param.h), the very files the
 * module compiles.
 */
#include <ctype.h>
#include <string.h>

#include "unit.h"
#include "mib.h"
#include "param.h"

#include "../../src/mib.c"

#define names xtcp_mib_names

UNIT_TEST(mib_starts_with_the_standard_counters)
{
	static const char * const first[] = {
		"InSegs", "OutSegs", "InErrs", "InCsumErrors", "OutRsts",
		"CurrEstab", "ActiveOpens", "PassiveOpens",
	};
	unsigned int i;

	CHECK(XTCP_MIB_MAX >= 8);
	for (i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		CHECK(names[i] && !strcmp(names[i], first[i]));
}

UNIT_TEST(mib_names_are_unique_mib_style)
{
	int i, j;

	for (i = 0; i < XTCP_MIB_MAX; i++) {
		const char *p = names[i];

		CHECK(p && isupper((unsigned char)p[0]));
		for (; p && *p; p++)
			CHECK(isalnum((unsigned char)*p));
		for (j = 0; j < i; j++)
			CHECK(strcmp(names[i], names[j]) != 0);
	}
}

UNIT_TEST(proto_only_experimental_numbers)
{
	int p, allowed = 0;

	for (p = -1000; p <= 70000; p++)
		allowed += xtcp_proto_allowed(p);
	CHECK(allowed == 2);
	CHECK(xtcp_proto_allowed(253));
	CHECK(xtcp_proto_allowed(254));
	CHECK(!xtcp_proto_allowed(6));
	CHECK(!xtcp_proto_allowed(255));
	CHECK(!xtcp_proto_allowed(253 + 256));	/* no truncation to a byte */
}

int main(void)
{
	return unit_run();
}
