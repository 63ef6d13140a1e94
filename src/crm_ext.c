/*
 * crm_ext.c
 *		Module entry: PG_MODULE_MAGIC, _PG_init, the core hooks (allocator,
 *		interrupts), the shared argument checks and status reporting of
 *		crm_pg.h, and crm.extension_version().
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <sys/mman.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "crm_pg.h"

CRM_MODULE_MAGIC;

void		_PG_init(void);

/* allocations at least this large ask the kernel for transparent huge pages */
#define CRM_HUGEPAGE_MIN ((size_t) 2 << 20)
#define CRM_HUGEPAGE_SIZE ((uintptr_t) 2 << 20)

static void *
crm_pg_alloc(size_t size, void *ctx)
{
	void	   *p;

	(void) ctx;
	p = palloc_extended(size == 0 ? 1 : size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
#ifdef MADV_HUGEPAGE
	/*
	 * The fit's big arrays (accumulator index, sorted data: tens of MB for
	 * millions of distinct customers) are written once, page by page; with
	 * 4 kB pages the page faults cost as much as the work (measured on a
	 * VM: a fifth of a 1M-customer fit).  Where the kernel's transparent
	 * huge pages are in "madvise" mode, ask for them on the 2 MB-aligned
	 * interior of such a block (palloc gives large blocks their own
	 * mapping).  Purely advisory: failure changes nothing.
	 */
	if (p != NULL && size >= CRM_HUGEPAGE_MIN)
	{
		uintptr_t	lo = ((uintptr_t) p + CRM_HUGEPAGE_SIZE - 1) & ~(CRM_HUGEPAGE_SIZE - 1);
		uintptr_t	hi = ((uintptr_t) p + size) & ~(CRM_HUGEPAGE_SIZE - 1);

		if (hi > lo)
			(void) madvise((void *) lo, hi - lo, MADV_HUGEPAGE);
	}
#endif
	return p;
}

/*
 * advise_huge of the core's allocator: the 2 MB-aligned block of a large
 * array (crm_alloc_huge) gets transparent huge pages where the kernel's
 * are in "madvise" mode.  Purely advisory: failure changes nothing.
 */
void
crm_pg_advise_huge(void *ptr, size_t size, void *ctx)
{
	(void) ctx;
#ifdef MADV_HUGEPAGE
	if (size > 0)
		(void) madvise(ptr, size, MADV_HUGEPAGE);
#else
	(void) ptr;
	(void) size;
#endif
}

static void
crm_pg_free(void *ptr, void *ctx)
{
	(void) ctx;
	pfree(ptr);
}

/*
 * The core stops only for a real cancel or termination request; other
 * pending interrupts (a parallel worker's message, a catch-up signal) are
 * serviced after the core returns and must not abort a fit.
 */
static bool
crm_pg_interrupted(void)
{
	return QueryCancelPending || ProcDiePending;
}

/* Point the core's allocator at palloc (current context) and hooks at ours. */
void
crm_install_core_hooks(void)
{
	CrmAllocator a;

	a.alloc = crm_pg_alloc;
	a.free = crm_pg_free;
	a.ctx = NULL;
	a.advise_huge = crm_pg_advise_huge;
	crm_set_allocator(&a);
	crm_set_interrupt_hook(crm_pg_interrupted);
}

/* Module load: install the core hooks, define the GUCs. */
void
_PG_init(void)
{
	crm_install_core_hooks();
	crm_guard_init();
}

/* The SQLSTATE that goes with a core status (see crm_core.h). */
int
crm_status_sqlstate(CrmStatus st)
{
	switch (st)
	{
		case CRM_EDOMAIN:
		case CRM_EPARAM:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case CRM_ERANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case CRM_ENOMEM:
			return ERRCODE_OUT_OF_MEMORY;
		case CRM_ENOCONV:
		case CRM_EEMPTY:
			return ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
		case CRM_EDATA:
		case CRM_EVERSION:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case CRM_EUNSUP:
			return ERRCODE_FEATURE_NOT_SUPPORTED;
		case CRM_EINTERRUPTED:
			return ERRCODE_QUERY_CANCELED;
		case CRM_OK:
		case CRM_EINTERNAL:
			break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

/* ereport(ERROR) for a non-OK core status; see crm_pg.h. */
void
crm_report_status(CrmStatus st, const char *what)
{
	if (st == CRM_EINTERRUPTED)
		CHECK_FOR_INTERRUPTS();
	if (st == CRM_EINTERNAL || st == CRM_OK)
		elog(ERROR, "%s: unexpected core status %d (%s)", what, (int) st,
			 crm_status_message(st));
	ereport(ERROR,
			(errcode(crm_status_sqlstate(st)),
			 errmsg("%s", what),
			 errdetail("The computation failed: %s.", crm_status_message(st))));
	pg_unreachable();
}

/* Require v to be finite. */
void
crm_check_finite(double v, const char *name)
{
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", name),
				 errdetail("The value given is %s.", isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"))));
}

/* Require v to be finite and non-negative. */
void
crm_check_nonneg(double v, const char *name)
{
	crm_check_finite(v, name);
	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", name),
				 errdetail("The value given is %g.", v)));
}

/* Fetch a float8 argument and require it to be finite. */
double
crm_arg_finite(FunctionCallInfo fcinfo, int argno, const char *name)
{
	double		v = PG_GETARG_FLOAT8(argno);

	crm_check_finite(v, name);
	return v;
}

/* Check (frequency, recency, age) of a continuous-time customer. */
void
crm_check_customer(double x, double tx, double T)
{
	/*
	 * The usual valid customer in one test (NaN fails every comparison;
	 * x < 2^63 makes the integer conversion defined), the checks one by
	 * one only to report what is wrong: a prediction calls this per row.
	 */
	if (T <= DBL_MAX && tx >= 0.0 && tx <= T && x >= 0.0 && x < 9.2e18 &&
		x == (double) (int64) x && (x != 0.0 || tx == 0.0))
		return;
	crm_check_nonneg(x, "frequency");
	crm_check_nonneg(tx, "recency");
	crm_check_nonneg(T, "age");
	if (x != floor(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("frequency must be a whole number"),
				 errdetail("The value given is %g.", x),
				 errhint("Frequency counts repeat purchase periods.")));
	if (tx > T)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must not exceed customer age"),
				 errdetail("Recency is %g and age is %g.", tx, T),
				 errhint("Check the observation end date of the summary.")));
	if (x == 0 && tx != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recency must be 0 when frequency is 0"),
				 errdetail("Frequency is 0 and recency is %g.", tx)));
}

PG_FUNCTION_INFO_V1(extension_version);

/* crm.extension_version(): the version of the loaded C library. */
Datum
extension_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(CRM_EXT_VERSION));
}
