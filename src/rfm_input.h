/*
 * rfm_input.h
 *		Per-row input conversions of the RFM aggregates, made cheap enough
 *		for tens of millions of rows: numeric amounts to exact CrmMoney
 *		without numeric arithmetic or palloc, and timestamptz to local
 *		wall-clock time without a time zone lookup per row.
 */
#ifndef CRM_RFM_INPUT_H
#define CRM_RFM_INPUT_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "pgtime.h"

#include "core/rfm.h"

/*
 * Decode a numeric amount into exact money and its display scale.  Raises
 * 22023 for NaN and ±Infinity, 22003 for |amount| >= 10^18 or more than 12
 * non-zero fractional digits.
 */
extern void crm_rfm_amount(Datum numeric, CrmMoney *out, int *dscale);

/* A numeric holding exactly v with dscale fractional digits. */
extern Datum crm_rfm_money_numeric(CrmMoney v, int dscale);

/*
 * The session time zone's UTC offsets, cached as windows [lo, hi) of UTC
 * time between two of the zone's transitions, sorted by hi.  Lives in the
 * caller's fn_extra: valid for one query (the aggregates are STABLE).
 */
typedef struct CrmClockWindow
{
	TimestampTz lo;
	TimestampTz hi;
	int64		off;			/* local - UTC, microseconds */
} CrmClockWindow;

typedef struct CrmClock
{
	pg_tz	   *tz;				/* session_timezone the cache belongs to */
	bool		fixed;			/* the zone has one offset: off */
	TimestampTz lo;				/* the window used last */
	TimestampTz hi;
	int64		off;
	int			nwin;
	int			capwin;
	CrmClockWindow *win;
	MemoryContext mcxt;			/* where win lives */
} CrmClock;

/* Prepare an empty clock whose window list will live in mcxt. */
extern void crm_clock_init(CrmClock *c, MemoryContext mcxt);

/* Slow path of crm_clock_local: find or compute the window holding t. */
extern int64 crm_clock_local_slow(CrmClock *c, TimestampTz t);

/*
 * Local wall-clock time (microseconds since 2000-01-01 local) of a finite
 * timestamptz in the session TimeZone, as timestamp2tm() would give it.
 */
static inline int64
crm_clock_local(CrmClock *c, TimestampTz t)
{
	if (likely(c->tz == session_timezone) && (c->fixed || (t >= c->lo && t < c->hi)))
		return t + c->off;
	return crm_clock_local_slow(c, t);
}

#endif							/* CRM_RFM_INPUT_H */
