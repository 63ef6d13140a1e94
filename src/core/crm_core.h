/*
 * crm_core.h
 *		Shared definitions of crm_ext's numerical core: status codes, the
 *		allocator hook and small inline helpers.
 *
 * The core is plain C99.  It never includes PostgreSQL headers, never prints,
 * never aborts and never calls exit().  Every function that can fail returns
 * a CrmStatus; the fmgr glue (src/crm_pg.h) turns a bad status into ereport().
 * Memory comes only through crm_alloc()/crm_free(), which the glue points at
 * palloc in the right memory context and the unit tests point at malloc.
 *
 * Every non-static symbol starts with crm_ because PostgreSQL 15 exports all
 * of a module's symbols into the backend's namespace.
 */
#ifndef CRM_CORE_H
#define CRM_CORE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

/*
 * Status codes.  The glue maps them to SQLSTATEs:
 *	CRM_EDOMAIN  -> 22023 invalid_parameter_value (bad data value)
 *	CRM_EPARAM   -> 22023 invalid_parameter_value (bad model parameter)
 *	CRM_ERANGE   -> 22003 numeric_value_out_of_range
 *	CRM_ENOMEM   -> 53200 out_of_memory
 *	CRM_ENOCONV  -> 55000 object_not_in_prerequisite_state (did not converge)
 *	CRM_EEMPTY   -> 55000 (no data to fit)
 *	CRM_EDATA    -> 22P02 invalid_text_representation (corrupt encoded state)
 *	CRM_EVERSION -> 22P02 (encoded state of an unknown version)
 *	CRM_EUNSUP   -> 0A000 feature_not_supported
 *	CRM_EINTERRUPTED -> the glue runs CHECK_FOR_INTERRUPTS() (query cancel)
 *	CRM_EINTERNAL-> XX000 (a bug: cannot happen)
 */
typedef enum CrmStatus
{
	CRM_OK = 0,
	CRM_EDOMAIN,
	CRM_EPARAM,
	CRM_ERANGE,
	CRM_ENOMEM,
	CRM_ENOCONV,
	CRM_EEMPTY,
	CRM_EDATA,
	CRM_EVERSION,
	CRM_EUNSUP,
	CRM_EINTERRUPTED,
	CRM_EINTERNAL
} CrmStatus;

/* A short English description of a status, for messages. */
extern const char *crm_status_message(CrmStatus st);

/*
 * Allocator hook.  alloc returns NULL on failure (the core then returns
 * CRM_ENOMEM); it must not longjmp.  Defaults to malloc/free.  There is no
 * realloc hook: crm_realloc() allocates, copies and frees, so a hook needs
 * only the two calls every allocator has.
 */
typedef struct CrmAllocator
{
	void	   *(*alloc) (size_t size, void *ctx);
	void		(*free) (void *ptr, void *ctx);
	void	   *ctx;
	/*
	 * Optional (may be NULL): called by crm_alloc_huge on the 2 MB-aligned
	 * part of a large block before it is used, e.g. to ask the kernel for
	 * transparent huge pages.  Purely advisory.
	 */
	void		(*advise_huge) (void *ptr, size_t size, void *ctx);
} CrmAllocator;

extern void crm_set_allocator(const CrmAllocator *a);
extern void *crm_alloc(size_t size);
extern void *crm_realloc(void *ptr, size_t old_size, size_t new_size);
extern void crm_free(void *ptr);

/*
 * Large arrays written once, page by page (a fit's data: tens of MB for
 * millions of customers).  crm_alloc_huge places a block of
 * CRM_HUGE_ALIGN bytes or more at a CRM_HUGE_ALIGN boundary inside a
 * slightly larger allocation (the unused head is never touched, so it costs
 * address space, not memory) and passes the aligned part to the
 * allocator's advise_huge: with 4 kB pages the first writes to such an array
 * cost as much as the work done on it (a page fault for every 4 kB; about
 * 10 us each on a virtual machine), with 2 MB pages almost nothing.
 * Smaller blocks are ordinary allocations.  Free only with crm_free_huge.
 */
#define CRM_HUGE_ALIGN ((size_t) 2 << 20)

extern void *crm_alloc_huge(size_t size);
extern void crm_free_huge(void *ptr);

/*
 * Cooperative cancellation.  Long loops (likelihood sums over many customers,
 * the optimizer) call crm_interrupted() now and then; when it returns true
 * they stop and return CRM_EINTERRUPTED.  The glue points the hook at a
 * function that reads PostgreSQL's InterruptPending and, after the core has
 * returned, calls CHECK_FOR_INTERRUPTS().  The hook itself must not longjmp:
 * NLopt keeps malloc'd memory that a longjmp would leak.
 */
typedef bool (*CrmInterruptHook) (void);
extern void crm_set_interrupt_hook(CrmInterruptHook hook);
extern bool crm_interrupted(void);

/* The bit pattern of a double (for hashing and bitwise comparison). */
static inline uint64_t
crm_double_bits(double v)
{
	uint64_t	b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

/*
 * Neumaier's compensated addition of v into the pair (*s, *c): the sum is
 * *s + *c, correct to about one rounding whatever the order of magnitude
 * of the terms.
 */
static inline void
crm_neumaier_add(double *s, double *c, double v)
{
	double		t = *s + v;

	if (fabs(*s) >= fabs(v))
		*c += (*s - t) + v;
	else
		*c += (v - t) + *s;
	*s = t;
}

/*
 * ln(1 + x), as log1p(x) to about one ulp (at most 1.05 ulp against
 * log1pl in the unit tests, glibc's log1p 0.8), in two thirds of its time:
 * glibc's log1p is the old fdlibm polynomial (11 ns here), its log is
 * table driven (6 ns), and the likelihoods and P(alive) take a log1p per
 * customer.  With u = 1 + x rounded, 1 + x = u (1 + (x − (u − 1))/u)
 * where x − (u − 1) is the rounding error of u, computed exactly, so
 * ln(1 + x) = ln u + (x − (u − 1))/u up to a term of the order of the
 * error squared (2^-106).  x <= −1, ±0, +Inf and NaN go to log1p.
 */
static inline double
crm_log1p(double x)
{
	double		u = 1.0 + x;

	if (!(u > 0.0 && u < HUGE_VAL) || x == 0.0)
		return log1p(x);
	return log(u) + (x - (u - 1.0)) / u;
}

/* true when x is a finite double (not NaN, not +-Inf) */
static inline bool
crm_isfinite(double x)
{
	return x - x == 0.0;
}

#endif							/* CRM_CORE_H */
