// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - per-netns tunables under /proc/sys/net/xtcp/.
 *
 * Every timeout and limit of the protocol is one of these, with Linux TCP's
 * default. Writes are range-checked by proc_dointvec_minmax(): a value out of
 * range fails with EINVAL and changes nothing. Documentation/sysctl.rst
 * describes each entry.
 */

#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

#include "xtcp.h"
#include "compat.h"

/*
 * Defaults of a new netns. The template below points into this struct;
 * each netns's copy of the table is re-pointed at the same field of its own
 * struct xtcp_sysctl. It is never written.
 */
static struct xtcp_sysctl xtcp_sysctl_defaults = {
	.syn_retries		= 6,	/* net.ipv4.tcp_syn_retries */
	.synack_retries		= 5,	/* net.ipv4.tcp_synack_retries */
	.synack_timeout_ms	= 1000,	/* TCP_TIMEOUT_INIT */
	/* Linux's max(128, ehash buckets / 128), with xtcp's own table */
	.max_syn_backlog	= XTCP_EHASH_SIZE / 128 > 128 ?
				  XTCP_EHASH_SIZE / 128 : 128,
	.abort_on_overflow	= 0,	/* net.ipv4.tcp_abort_on_overflow */
	.rto_min_ms		= 200,	/* TCP_RTO_MIN (net.ipv4.tcp_rto_min_us) */
	.rto_max_ms		= XTCP_RTO_MAX_MS,	/* TCP_RTO_MAX */
	.retries2		= 15,	/* net.ipv4.tcp_retries2 */
	.window_scaling		= 1,	/* net.ipv4.tcp_window_scaling */
	.delack_ms		= 40,	/* TCP_DELACK_MIN */
	.msl_ms			= 30000, /* TCP_TIMEWAIT_LEN / 2 */
	.fin_timeout		= 60,	/* net.ipv4.tcp_fin_timeout */
	/* Linux's tcp_max_tw_buckets and tcp_max_orphans: half the buckets */
	.max_tw_buckets		= XTCP_EHASH_SIZE / 2,
	.max_orphans		= XTCP_EHASH_SIZE / 2,
	.invalid_ratelimit_ms	= 500,	/* net.ipv4.tcp_invalid_ratelimit */
	.min_snd_mss		= XTCP_MIN_SND_MSS, /* net.ipv4.tcp_min_snd_mss */
};

static int xtcp_msl_ms_max = 600000;
static int xtcp_fin_timeout_max = 3600;
static int xtcp_ratelimit_ms_max = 60000;

static int xtcp_delack_ms_max = 1000;

/* Linux's tcp_min_snd_mss range: TCP_MIN_SND_MSS..65535 */
static int xtcp_min_snd_mss_min = XTCP_MIN_SND_MSS;
static int xtcp_min_snd_mss_max = U16_MAX;

static int xtcp_syn_retries_max = 127;		/* Linux's MAX_TCP_SYNCNT */
static int xtcp_synack_retries_max = 255;	/* Linux stores it in a u8 */
static int xtcp_timeout_ms_max = XTCP_RTO_MAX_MS;
static int xtcp_backlog_max = 1 << 20;

#define XTCP_SYSCTL_INT(name, min, max)					\
	{								\
		.procname	= #name,				\
		.data		= &xtcp_sysctl_defaults.name,		\
		.maxlen		= sizeof(int),				\
		.mode		= 0644,					\
		.proc_handler	= proc_dointvec_minmax,			\
		.extra1		= (min),				\
		.extra2		= (max),				\
	}

static struct ctl_table xtcp_sysctl_template[] = {
	XTCP_SYSCTL_INT(syn_retries, SYSCTL_ONE, &xtcp_syn_retries_max),
	XTCP_SYSCTL_INT(synack_retries, SYSCTL_ZERO, &xtcp_synack_retries_max),
	XTCP_SYSCTL_INT(synack_timeout_ms, SYSCTL_ONE, &xtcp_timeout_ms_max),
	XTCP_SYSCTL_INT(max_syn_backlog, SYSCTL_ONE, &xtcp_backlog_max),
	XTCP_SYSCTL_INT(abort_on_overflow, SYSCTL_ZERO, SYSCTL_ONE),
	XTCP_SYSCTL_INT(rto_min_ms, SYSCTL_ONE, &xtcp_timeout_ms_max),
	XTCP_SYSCTL_INT(rto_max_ms, SYSCTL_ONE, &xtcp_timeout_ms_max),
	XTCP_SYSCTL_INT(retries2, SYSCTL_ONE, &xtcp_synack_retries_max),
	XTCP_SYSCTL_INT(window_scaling, SYSCTL_ZERO, SYSCTL_ONE),
	XTCP_SYSCTL_INT(delack_ms, SYSCTL_ONE, &xtcp_delack_ms_max),
	XTCP_SYSCTL_INT(msl_ms, SYSCTL_ONE, &xtcp_msl_ms_max),
	XTCP_SYSCTL_INT(fin_timeout, SYSCTL_ONE, &xtcp_fin_timeout_max),
	XTCP_SYSCTL_INT(max_tw_buckets, SYSCTL_ZERO, &xtcp_backlog_max),
	XTCP_SYSCTL_INT(max_orphans, SYSCTL_ZERO, &xtcp_backlog_max),
	XTCP_SYSCTL_INT(invalid_ratelimit_ms, SYSCTL_ZERO, &xtcp_ratelimit_ms_max),
	XTCP_SYSCTL_INT(min_snd_mss, &xtcp_min_snd_mss_min, &xtcp_min_snd_mss_max),
	{ }	/* sentinel, for 6.1 */
};

#define XTCP_SYSCTL_N	(ARRAY_SIZE(xtcp_sysctl_template) - 1)

/**
 * xtcp_sysctl_net_init() - give a netns its tunables and their sysctl files
 * @net: the namespace being set up
 *
 * Return: 0 or a negative errno.
 */
int xtcp_sysctl_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct ctl_table *table;
	size_t i;

	xn->sysctl = xtcp_sysctl_defaults;
	table = kmemdup(xtcp_sysctl_template, sizeof(xtcp_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < XTCP_SYSCTL_N; i++)
		table[i].data = (char *)&xn->sysctl +
			((char *)table[i].data - (char *)&xtcp_sysctl_defaults);

	xn->sysctl_hdr = xtcp_register_net_sysctl(net, "net/xtcp", table,
						  XTCP_SYSCTL_N);
	if (!xn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	xn->sysctl_table = table;
	return 0;
}

/**
 * xtcp_sysctl_net_exit() - remove a netns's sysctl files
 * @net: the namespace going away
 */
void xtcp_sysctl_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	unregister_net_sysctl_table(xn->sysctl_hdr);
	kfree(xn->sysctl_table);
}
