/*
 * pg_compat.h
 *		Every PG_VERSION_NUM difference crm_ext cares about, in one place.
 *		Supported: PostgreSQL 13 to 18.
 */
#ifndef CRM_PG_COMPAT_H
#define CRM_PG_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "crm_ext needs PostgreSQL 13 or later"
#endif

/* PG 16 moved the varlena/Datum helpers around; nothing we use changed. */

/*
 * "Does not return": PG 18 replaced pg_attribute_noreturn() (placed after a
 * declarator) with pg_noreturn (placed before).  Ours works with both.
 */
#if defined(__GNUC__) || defined(__clang__)
#define crm_attribute_noreturn() __attribute__((noreturn))
#else
#define crm_attribute_noreturn()
#endif

/*
 * PG 18 adds PG_MODULE_MAGIC_EXT (name and version shown by
 * pg_get_loaded_modules()); older versions only have PG_MODULE_MAGIC.
 */
#if PG_VERSION_NUM >= 180000
#define CRM_MODULE_MAGIC PG_MODULE_MAGIC_EXT(.name = "crm_ext", .version = CRM_EXT_VERSION)
#else
#define CRM_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/*
 * PG 14 added int64_div_fast_to_numeric() (utils/numeric.h): an exact
 * numeric from a scaled int64 without going through text.
 */
#if PG_VERSION_NUM >= 140000
#define CRM_HAVE_INT64_DIV_FAST_TO_NUMERIC 1
#endif

#endif							/* CRM_PG_COMPAT_H */
