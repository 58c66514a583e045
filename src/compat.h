/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, all in one place. Supported: Linux 6.1 and
 * 6.12 (Debian 12). Each block names the upstream change that made it.
 * One to expect when a custom sysctl handler appears: proc_handler takes a
 * const struct ctl_table from 6.11.
 */
#ifndef _XTCP_COMPAT_H
#define _XTCP_COMPAT_H

#include <linux/version.h>
#include <linux/bpf-cgroup.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/sock.h>

/*
 * proto->accept: 6.10 ("net: have do_accept() take a struct
 * proto_accept_arg") folded flags/err/kern into one argument. xtcp's code
 * implements xtcp_accept_sk(); XTCP_PROTO_ACCEPT is what struct proto gets.
 */
struct sock *xtcp_accept_sk(struct sock *sk, int flags, bool kern, int *err);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
static inline struct sock *xtcp_proto_accept(struct sock *sk,
					     struct proto_accept_arg *arg)
{
	return xtcp_accept_sk(sk, arg->flags, arg->kern, &arg->err);
}
#else
static inline struct sock *xtcp_proto_accept(struct sock *sk, int flags,
					     int *err, bool kern)
{
	return xtcp_accept_sk(sk, flags, kern, err);
}
#endif

/*
 * proto->ioctl: 6.5 ("net: ioctl: Use kernel memory on protocol ioctl
 * callbacks") passes an int in kernel memory; before, the user pointer.
 * xtcp's code implements xtcp_ioctl_val() on a kernel int.
 */
int xtcp_ioctl_val(struct sock *sk, int cmd, int *karg);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
static inline int xtcp_proto_ioctl(struct sock *sk, int cmd, int *karg)
{
	return xtcp_ioctl_val(sk, cmd, karg);
}
#else
static inline int xtcp_proto_ioctl(struct sock *sk, int cmd, unsigned long arg)
{
	int karg, err;

	err = xtcp_ioctl_val(sk, cmd, &karg);
	if (err)
		return err;
	return put_user(karg, (int __user *)arg);
}
#endif

/*
 * proto_ops->sendpage: removed in 6.5 (MSG_SPLICE_PAGES replaces it).
 * XTCP_PROTO_OPS_SENDPAGE fills the member where it still exists.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#define XTCP_PROTO_OPS_SENDPAGE	.sendpage = sock_no_sendpage,
#else
#define XTCP_PROTO_OPS_SENDPAGE
#endif

/*
 * Per-netns sysctl registration: 6.6 added register_net_sysctl_sz() (tables
 * lose their empty sentinel entry); 6.1 only has the sentinel form. xtcp's
 * tables keep a sentinel, and @n counts the entries before it.
 */
static inline struct ctl_table_header *
xtcp_register_net_sysctl(struct net *net, const char *path,
			 struct ctl_table *table, size_t n)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return register_net_sysctl_sz(net, path, table, n);
#else
	return register_net_sysctl(net, path, table);
#endif
}

/*
 * The cgroup BPF connect4 programs: 6.7 ("bpf: Propagate modified uaddrlen
 * from cgroup sockaddr programs") gave BPF_CGROUP_RUN_PROG_INET4_CONNECT()
 * the address length, which a program may change.
 */
static inline int xtcp_bpf_inet4_connect(struct sock *sk,
					 struct sockaddr *uaddr, int addr_len)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	return BPF_CGROUP_RUN_PROG_INET4_CONNECT(sk, uaddr, &addr_len);
#else
	return BPF_CGROUP_RUN_PROG_INET4_CONNECT(sk, uaddr);
#endif
}

#endif /* _XTCP_COMPAT_H */
