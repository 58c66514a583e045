// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp - defines the tracepoints of trace.h (events/xtcp/ in tracefs).
 * Every other file only includes trace.h.
 */

#define CREATE_TRACE_POINTS
#include "trace.h"
