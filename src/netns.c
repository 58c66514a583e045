// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - per-network-namespace state.
 *
 * Every netns gets a struct xtcp_net (net_generic storage): counters,
 * tunables, /proc/net/xtcp, the socket table and a control socket.
 */

#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <net/inet_common.h>

#include "xtcp.h"

unsigned int xtcp_net_id __read_mostly;

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int err;

	err = xtcp_demux_net_init(xn);
	if (err)
		return err;
	err = -ENOMEM;
	xn->mib = alloc_percpu(struct xtcp_mib);
	if (!xn->mib)
		goto out_demux;
	err = xtcp_sysctl_net_init(net);
	if (err)
		goto out_mib;
	err = xtcp_proc_net_init(net);
	if (err)
		goto out_sysctl;
	/*
	 * Replies that belong to no socket (RST for a closed port) go out
	 * through this kernel socket. It is a raw socket of the IP layer, as
	 * TCP's is, so it holds no reference on this module and receives
	 * nothing (inet_ctl_sock_create() unhashes it).
	 */
	err = inet_ctl_sock_create(&xn->ctl_sk, PF_INET, SOCK_RAW, xtcp_proto,
				   net);
	if (err)
		goto out_proc;
	return 0;

out_proc:
	xtcp_proc_net_exit(net);
out_sysctl:
	xtcp_sysctl_net_exit(net);
out_mib:
	free_percpu(xn->mib);
out_demux:
	xtcp_demux_net_exit(xn);
	return err;
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xtcp_tw_purge(net);	/* TIME_WAIT entries do not outlive it */
	inet_ctl_sock_destroy(xn->ctl_sk);
	xtcp_proc_net_exit(net);
	xtcp_sysctl_net_exit(net);
	free_percpu(xn->mib);
	xtcp_demux_net_exit(xn);
}

static struct pernet_operations xtcp_net_ops = {
	.init	= xtcp_net_init,
	.exit	= xtcp_net_exit,
	.id	= &xtcp_net_id,
	.size	= sizeof(struct xtcp_net),
};

/**
 * xtcp_netns_register() - set up xtcp in every current and future netns
 *
 * Return: 0 or a negative errno (nothing left registered).
 */
int xtcp_netns_register(void)
{
	return register_pernet_subsys(&xtcp_net_ops);
}

/**
 * xtcp_netns_unregister() - tear xtcp down in every netns
 */
void xtcp_netns_unregister(void)
{
	unregister_pernet_subsys(&xtcp_net_ops);
}
