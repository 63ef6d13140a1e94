/*
 * crm_pg.h
 *		Helpers shared by the fmgr glue: argument checks that ereport with
 *		the right SQLSTATE, and the mapping of core status codes to errors.
 *
 * Glue files include postgres.h first, then this header.  No numerical code
 * lives in the glue: it fetches and checks arguments, calls the core, turns
 * a bad status into ereport() and builds the result.
 */
#ifndef CRM_PG_H
#define CRM_PG_H

#include "postgres.h"
#include "fmgr.h"

#include "pg_compat.h"
#include "core/crm_core.h"

/*
 * ereport(ERROR) for a non-OK core status.  what is a lower-case phrase
 * naming the operation ("cannot evaluate the BG/NBD likelihood"); the
 * status picks the SQLSTATE (see crm_core.h) and the detail.  For
 * CRM_EINTERRUPTED it runs CHECK_FOR_INTERRUPTS() first.
 */
extern void crm_report_status(CrmStatus st, const char *what) crm_attribute_noreturn();

/* The SQLSTATE that goes with a core status. */
extern int	crm_status_sqlstate(CrmStatus st);

/*
 * Fetch float8 argument argno and require it to be finite; name is the SQL
 * argument name used in the message ("recency").  NULL arguments must be
 * excluded by the caller (STRICT functions never see them).
 */
extern double crm_arg_finite(FunctionCallInfo fcinfo, int argno, const char *name);

/* Require v to be finite (22023 otherwise). */
extern void crm_check_finite(double v, const char *name);

/* Require v to be finite and >= 0 (22023 otherwise). */
extern void crm_check_nonneg(double v, const char *name);

/*
 * Check a customer's (frequency, recency, age) for the continuous-time
 * models: frequency a finite non-negative integer, recency and age finite
 * and non-negative, recency <= age, recency 0 when frequency is 0.
 */
extern void crm_check_customer(double x, double tx, double T);

/* Point the core's allocator at palloc and its interrupt hook at ours. */
extern void crm_install_core_hooks(void);

/* advise_huge of a CrmAllocator: transparent huge pages for a 2 MB-aligned block */
extern void crm_pg_advise_huge(void *ptr, size_t size, void *ctx);

/* Register the GUCs of the DROP EXTENSION guard (guard.c); called by _PG_init. */
extern void crm_guard_init(void);

#endif							/* CRM_PG_H */
