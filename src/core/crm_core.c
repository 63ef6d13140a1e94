/*
 * crm_core.c
 *		Status messages, the allocator hook and the interrupt hook of the
 *		numerical core.  See crm_core.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crm_core.h"

static void *
default_alloc(size_t size, void *ctx)
{
	(void) ctx;
	return malloc(size == 0 ? 1 : size);
}

static void
default_free(void *ptr, void *ctx)
{
	(void) ctx;
	free(ptr);
}

static CrmAllocator crm_allocator = {default_alloc, default_free, NULL, NULL};
static CrmInterruptHook crm_interrupt_hook = NULL;

/* Describe a status in a few words (used in messages and unit tests). */
const char *
crm_status_message(CrmStatus st)
{
	switch (st)
	{
		case CRM_OK:
			return "success";
		case CRM_EDOMAIN:
			return "argument out of domain";
		case CRM_EPARAM:
			return "invalid model parameter";
		case CRM_ERANGE:
			return "result out of range";
		case CRM_ENOMEM:
			return "out of memory";
		case CRM_ENOCONV:
			return "computation did not converge";
		case CRM_EEMPTY:
			return "no data";
		case CRM_EDATA:
			return "corrupt encoded data";
		case CRM_EVERSION:
			return "unsupported encoding version";
		case CRM_EUNSUP:
			return "not supported";
		case CRM_EINTERRUPTED:
			return "interrupted";
		case CRM_EINTERNAL:
			return "internal error";
	}
	return "unknown status";
}

/* Install an allocator; NULL restores malloc/free. */
void
crm_set_allocator(const CrmAllocator *a)
{
	if (a == NULL)
	{
		crm_allocator.alloc = default_alloc;
		crm_allocator.free = default_free;
		crm_allocator.ctx = NULL;
		crm_allocator.advise_huge = NULL;
	}
	else
		crm_allocator = *a;
}

/* Allocate through the hook; NULL on failure. */
void *
crm_alloc(size_t size)
{
	return crm_allocator.alloc(size, crm_allocator.ctx);
}

/*
 * Resize a block of old_size bytes to new_size bytes; NULL on failure, in
 * which case ptr is untouched and still owned by the caller.
 */
void *
crm_realloc(void *ptr, size_t old_size, size_t new_size)
{
	void	   *p = crm_alloc(new_size);

	if (p == NULL)
		return NULL;
	if (ptr != NULL)
	{
		memcpy(p, ptr, old_size < new_size ? old_size : new_size);
		crm_free(ptr);
	}
	return p;
}

/* Free through the hook; NULL is allowed. */
void
crm_free(void *ptr)
{
	if (ptr != NULL)
		crm_allocator.free(ptr, crm_allocator.ctx);
}

/*
 * A block for large arrays; see crm_core.h.  Layout: the allocation from
 * crm_alloc starts at base; the block p is aligned (to CRM_HUGE_ALIGN when
 * size >= CRM_HUGE_ALIGN, else to 16 bytes) with at least one pointer's
 * room before it, where base is kept for crm_free_huge.
 */
void *
crm_alloc_huge(size_t size)
{
	size_t		align = size >= CRM_HUGE_ALIGN ? CRM_HUGE_ALIGN : 16;
	char	   *base;
	uintptr_t	p;

	if (size > SIZE_MAX - align - sizeof(void *))
		return NULL;
	base = crm_alloc(size + align + sizeof(void *));
	if (base == NULL)
		return NULL;
	p = ((uintptr_t) base + sizeof(void *) + align - 1) & ~(uintptr_t) (align - 1);
	memcpy((char *) p - sizeof(void *), &base, sizeof(void *));
	if (align == CRM_HUGE_ALIGN && crm_allocator.advise_huge != NULL)
		crm_allocator.advise_huge((void *) p, size & ~(CRM_HUGE_ALIGN - 1), crm_allocator.ctx);
	return (void *) p;
}

/* Free a block of crm_alloc_huge (NULL: nothing). */
void
crm_free_huge(void *ptr)
{
	void	   *base;

	if (ptr == NULL)
		return;
	memcpy(&base, (char *) ptr - sizeof(void *), sizeof(void *));
	crm_free(base);
}

/* Install the cancellation hook; NULL means "never interrupted". */
void
crm_set_interrupt_hook(CrmInterruptHook hook)
{
	crm_interrupt_hook = hook;
}

/* True when the caller asked long computations to stop. */
bool
crm_interrupted(void)
{
	return crm_interrupt_hook != NULL && crm_interrupt_hook();
}
