// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp counter names, as /proc/net/xtcp/snmp prints them. Kernel-independent.
 */
#include "mib.h"

const char * const xtcp_mib_names[XTCP_MIB_MAX] = {
	[XTCP_MIB_INSEGS]	= "InSegs",
	[XTCP_MIB_OUTSEGS]	= "OutSegs",
	[XTCP_MIB_INERRS]	= "InErrs",
	[XTCP_MIB_INCSUMERRORS]	= "InCsumErrors",
	[XTCP_MIB_OUTRSTS]	= "OutRsts",
	[XTCP_MIB_CURRESTAB]	= "CurrEstab",
	[XTCP_MIB_ACTIVEOPENS]	= "ActiveOpens",
	[XTCP_MIB_PASSIVEOPENS]	= "PassiveOpens",
	[XTCP_MIB_ATTEMPTFAILS]	= "AttemptFails",
	[XTCP_MIB_LISTENOVERFLOWS] = "ListenOverflows",
	[XTCP_MIB_LISTENDROPS]	= "ListenDrops",
	[XTCP_MIB_SYNQUEUEOVERFLOWS] = "SynQueueOverflows",
	[XTCP_MIB_SYNRETRANS]	= "SynRetrans",
	[XTCP_MIB_SYNACKRETRANS] = "SynAckRetrans",
	[XTCP_MIB_SYNACKTIMEOUTS] = "SynAckTimeouts",
	[XTCP_MIB_EMBRYONICRSTS] = "EmbryonicRsts",
	[XTCP_MIB_DATASEGSIN]	= "DataSegsIn",
	[XTCP_MIB_DATASEGSOUT]	= "DataSegsOut",
	[XTCP_MIB_RETRANSSEGS]	= "RetransSegs",
	[XTCP_MIB_FASTRETRANS]	= "FastRetrans",
	[XTCP_MIB_TIMEOUTS]	= "Timeouts",
	[XTCP_MIB_DELAYEDACKS]	= "DelayedAcks",
	[XTCP_MIB_OUTOFORDERQUEUED] = "OutOfOrderQueued",
	[XTCP_MIB_ZEROWINDOWPROBES] = "ZeroWindowProbes",
	[XTCP_MIB_PRUNEDROPS]	= "PruneDrops",
};
