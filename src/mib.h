/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp counters (MIB): one list, used for the enum, the /proc names and the
 * host unit tests. Kernel-independent: no includes.
 *
 * Each entry is X(ENUM_SUFFIX, "ProcName"). Names follow Linux's MIB style
 * (/proc/net/snmp "Tcp:" and /proc/net/netstat "TcpExt:"). Documentation/
 * proc.rst describes every counter; keep the two in step.
 */
#ifndef _XTCP_MIB_H
#define _XTCP_MIB_H

#define XTCP_MIB_LIST(X)				\
	X(INSEGS,		"InSegs")		\
	X(OUTSEGS,		"OutSegs")		\
	X(INERRS,		"InErrs")		\
	X(INCSUMERRORS,		"InCsumErrors")		\
	X(OUTRSTS,		"OutRsts")		\
	X(CURRESTAB,		"CurrEstab")		\
	X(ACTIVEOPENS,		"ActiveOpens")		\
	X(PASSIVEOPENS,		"PassiveOpens")

#define XTCP_MIB_ENUM(id, name) XTCP_MIB_##id,
enum xtcp_mib_field {
	XTCP_MIB_LIST(XTCP_MIB_ENUM)
	XTCP_MIB_MAX
};

#undef XTCP_MIB_ENUM

#endif /* _XTCP_MIB_H */
