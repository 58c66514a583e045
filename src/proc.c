// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - /proc/net/xtcp/, per network namespace.
 *
 *   snmp   one "Name<TAB>value" line per counter, in enum xtcp_mib_field order
 *
 * Documentation/proc.rst describes every file and counter.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "xtcp.h"

static int xtcp_snmp_show(struct seq_file *seq, void *v)
{
	struct net *net = seq->private;
	struct xtcp_mib __percpu *mib = xtcp_pernet(net)->mib;
	unsigned long sum[XTCP_MIB_MAX] = { };
	int cpu, i;

	for_each_possible_cpu(cpu)
		for (i = 0; i < XTCP_MIB_MAX; i++)
			sum[i] += READ_ONCE(per_cpu_ptr(mib, cpu)->mibs[i]);
	for (i = 0; i < XTCP_MIB_MAX; i++)
		seq_printf(seq, "%s\t%lu\n", xtcp_mib_names[i], sum[i]);
	return 0;
}

/**
 * xtcp_proc_net_init() - create /proc/net/xtcp/ in a netns
 * @net: the namespace being set up
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_proc_net_init(struct net *net)
{
	struct proc_dir_entry *dir;

	dir = proc_net_mkdir(net, "xtcp", net->proc_net);
	if (!dir)
		return -ENOMEM;
	if (!proc_create_net_single("snmp", 0444, dir, xtcp_snmp_show, NULL)) {
		remove_proc_subtree("xtcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

/**
 * xtcp_proc_net_exit() - remove /proc/net/xtcp/ from a netns
 * @net: the namespace going away
 */
void xtcp_proc_net_exit(struct net *net)
{
	remove_proc_subtree("xtcp", net->proc_net);
}
