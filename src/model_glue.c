/*
 * model_glue.c
 *		Model composite values (crm.sbg, crm.bgnbd, …): reading them as
 *		validated parameter vectors with a per-call-site cache, and building
 *		them as function results.
 *
 * A prediction is typically called once per customer row with the same
 * model value, so crm_model_arg() must not deform or detoast the composite
 * on every call.  It keeps, in fn_extra, a copy of the payload bytes of the
 * last model value it parsed and the validated parameters.  Each call
 * compares the incoming value's payload (VARSIZE_ANY/VARDATA_ANY, which
 * reads 1-byte and 4-byte headers alike without detoasting) with that copy:
 * equal length and memcmp equal -> the cached parameters.  The pointer alone
 * is not trusted (a per-tuple buffer may be reused at the same address for
 * a different value), and the memcmp of ~70 bytes costs a few nanoseconds.
 * Only on a change (or for a compressed/external value) is the composite
 * detoasted, deformed with a cached tuple descriptor, validated and cached.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "crm_model_glue.h"

/* fields after the parameters: loglik, n_customers, iterations, converged */
#define CRM_MODEL_EXTRA_FIELDS 4

typedef struct CrmModelCache
{
	CrmModelKind kind;
	const CrmModelSpec *spec;
	Oid			typid;			/* composite type of tupdesc, or InvalidOid */
	int32		typmod;
	TupleDesc	tupdesc;		/* copy in fn_mcxt */
	bool		valid;			/* bytes/par hold a validated value */
	Size		len;			/* payload length */
	Size		cap;
	char	   *bytes;			/* payload copy (VARDATA_ANY) */
	double		par[CRM_MAX_PARAMS];
	CrmPredCache *pred;			/* prediction memo (crm_model_pred_cache), or NULL */
	bool		pred_failed;	/* could not allocate it: do not retry per row */
} CrmModelCache;

/* The spec of kind, or 0A000 when this build lacks the model. */
const CrmModelSpec *
crm_model_spec_or_error(CrmModelKind kind)
{
	const CrmModelSpec *spec = crm_model_spec(kind);

	if (spec == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model kind %d is not available in this build of crm_ext", (int) kind)));
	return spec;
}

/* "alpha = 0.7, beta = NULL" for error details. */
static char *
describe_params(const CrmModelSpec *spec, const double *par, const bool *isnull)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < spec->nparams; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		if (isnull[i])
			appendStringInfo(&buf, "%s = NULL", spec->param_names[i]);
		else
			appendStringInfo(&buf, "%s = %s", spec->param_names[i],
							 float8out_internal(par[i]));
	}
	return buf.data;
}

/* Validate a parameter vector (NULLs, finiteness, the spec's rules): 22023. */
static void
check_params(const CrmModelSpec *spec, const double *par, const bool *isnull)
{
	const char *reason = NULL;
	int			i;

	for (i = 0; i < spec->nparams; i++)
	{
		if (isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s model parameter %s must not be NULL", spec->name,
							spec->param_names[i]),
					 errdetail("The model has %s.", describe_params(spec, par, isnull)),
					 errhint("Build the model with crm.%s(…) or crm.fit_%s(…).", spec->name,
							 spec->name)));
		if (isnan(par[i]) || isinf(par[i]) || par[i] <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s model parameter %s must be a finite positive number", spec->name,
							spec->param_names[i]),
					 errdetail("The model has %s.", describe_params(spec, par, isnull))));
	}
	if (spec->check_params(par, &reason) != CRM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s model: %s", spec->name, reason ? reason : "bad parameters"),
				 errdetail("The model has %s.", describe_params(spec, par, isnull))));
}

/* Cached tuple descriptor of (typid, typmod), checked to be a model of spec. */
static TupleDesc
model_tupdesc(CrmModelCache *c, MemoryContext mcxt, Oid typid, int32 typmod)
{
	TupleDesc	td;
	int			i,
				natts = 0;

	if (c->tupdesc != NULL && c->typid == typid && c->typmod == typmod)
		return c->tupdesc;
	td = lookup_rowtype_tupdesc(typid, typmod);
	for (i = 0; i < td->natts; i++)
		if (!TupleDescAttr(td, i)->attisdropped)
			natts++;
	if (td->natts != c->spec->nparams + CRM_MODEL_EXTRA_FIELDS || natts != td->natts)
	{
		ReleaseTupleDesc(td);
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("value is not a %s model", c->spec->name),
				 errdetail("A %s model has %d fields.", c->spec->name,
						   c->spec->nparams + CRM_MODEL_EXTRA_FIELDS)));
	}
	for (i = 0; i < c->spec->nparams; i++)
		if (TupleDescAttr(td, i)->atttypid != FLOAT8OID)
		{
			ReleaseTupleDesc(td);
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("value is not a %s model", c->spec->name),
					 errdetail("Field %d is not of type float8.", i + 1)));
		}
	if (c->tupdesc != NULL)
		FreeTupleDesc(c->tupdesc);
	c->tupdesc = NULL;
	{
		MemoryContext old = MemoryContextSwitchTo(mcxt);

		c->tupdesc = CreateTupleDescCopy(td);
		MemoryContextSwitchTo(old);
	}
	ReleaseTupleDesc(td);
	c->typid = typid;
	c->typmod = typmod;
	return c->tupdesc;
}

/* The validated parameters of a model argument; see crm_model_glue.h. */
const double *
crm_model_arg(FunctionCallInfo fcinfo, int argno, CrmModelKind kind)
{
	CrmModelCache *c = (CrmModelCache *) fcinfo->flinfo->fn_extra;
	Datum		d = PG_GETARG_DATUM(argno);
	Pointer		p = DatumGetPointer(d);
	HeapTupleHeader th;
	HeapTupleData tup;
	TupleDesc	td;
	Datum		values[CRM_MAX_PARAMS + CRM_MODEL_EXTRA_FIELDS];
	bool		nulls[CRM_MAX_PARAMS + CRM_MODEL_EXTRA_FIELDS];
	double		par[CRM_MAX_PARAMS];
	Size		len;
	int			i;

	/* fast path: the same model value as last time */
	if (c != NULL && c->valid && c->kind == kind &&
		!VARATT_IS_EXTERNAL(p) && !VARATT_IS_COMPRESSED(p) &&
		VARSIZE_ANY_EXHDR(p) == c->len &&
		memcmp(VARDATA_ANY(p), c->bytes, c->len) == 0)
		return c->par;

	if (c == NULL || c->kind != kind)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CrmModelCache));
		c->kind = kind;
		c->spec = crm_model_spec_or_error(kind);
		fcinfo->flinfo->fn_extra = c;
	}
	c->valid = false;

	th = DatumGetHeapTupleHeader(d);	/* detoasts (1-byte headers included) */
	td = model_tupdesc(c, fcinfo->flinfo->fn_mcxt, HeapTupleHeaderGetTypeId(th),
					   HeapTupleHeaderGetTypMod(th));
	tup.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&(tup.t_self));
	tup.t_tableOid = InvalidOid;
	tup.t_data = th;
	heap_deform_tuple(&tup, td, values, nulls);
	for (i = 0; i < c->spec->nparams; i++)
		par[i] = nulls[i] ? 0.0 : DatumGetFloat8(values[i]);
	check_params(c->spec, par, nulls);

	/* cache the payload of the original datum and the parameters */
	len = VARSIZE_ANY_EXHDR(th);
	if (len > c->cap)
	{
		if (c->bytes != NULL)
			pfree(c->bytes);
		c->bytes = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len);
		c->cap = len;
	}
	memcpy(c->bytes, VARDATA_ANY(th), len);
	c->len = len;
	memcpy(c->par, par, sizeof(par));
	c->valid = true;
	if ((Pointer) th != p)
		pfree(th);
	return c->par;
}

/* Build the composite result; see crm_model_glue.h. */
Datum
crm_model_result(FunctionCallInfo fcinfo, const CrmModelSpec *spec, const double *par,
				 const CrmFitResult *fit)
{
	TupleDesc	td;
	Datum		values[CRM_MAX_PARAMS + CRM_MODEL_EXTRA_FIELDS];
	bool		nulls[CRM_MAX_PARAMS + CRM_MODEL_EXTRA_FIELDS];
	int			np = spec->nparams;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "function returning a %s model called in a context without its type",
			 spec->name);
	if (td->natts != np + CRM_MODEL_EXTRA_FIELDS)
		elog(ERROR, "result type of a %s model has %d fields, expected %d", spec->name,
			 td->natts, np + CRM_MODEL_EXTRA_FIELDS);
	td = BlessTupleDesc(td);
	for (i = 0; i < np; i++)
	{
		values[i] = Float8GetDatum(par[i]);
		nulls[i] = false;
	}
	if (fit != NULL)
	{
		values[np] = Float8GetDatum(fit->loglik);
		values[np + 1] = Float8GetDatum(fit->n_customers);
		values[np + 2] = Int32GetDatum(fit->iterations);
		values[np + 3] = BoolGetDatum(fit->converged);
		for (i = 0; i < CRM_MODEL_EXTRA_FIELDS; i++)
			nulls[np + i] = false;
	}
	else
		for (i = 0; i < CRM_MODEL_EXTRA_FIELDS; i++)
		{
			values[np + i] = (Datum) 0;
			nulls[np + i] = true;
		}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* Constructor body; see crm_model_glue.h. */
Datum
crm_model_construct(FunctionCallInfo fcinfo, CrmModelKind kind)
{
	const CrmModelSpec *spec = crm_model_spec_or_error(kind);
	double		par[CRM_MAX_PARAMS];
	bool		nulls[CRM_MAX_PARAMS];
	int			i;

	if (PG_NARGS() != spec->nparams)
		elog(ERROR, "constructor of %s takes %d arguments", spec->name, spec->nparams);
	for (i = 0; i < spec->nparams; i++)
	{
		nulls[i] = PG_ARGISNULL(i);
		par[i] = nulls[i] ? 0.0 : PG_GETARG_FLOAT8(i);
	}
	check_params(spec, par, nulls);
	return crm_model_result(fcinfo, spec, par, NULL);
}

/* Allocator of a prediction memo: fn_mcxt, NULL instead of an error. */
static void *
pred_alloc(size_t size, void *ctx)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_NO_OOM);
}

static void
pred_free(void *ptr, void *ctx)
{
	pfree(ptr);
}

/* The call site's prediction memo; see crm_model_glue.h. */
CrmPredCache *
crm_model_pred_cache(FunctionCallInfo fcinfo)
{
	CrmModelCache *c = (CrmModelCache *) fcinfo->flinfo->fn_extra;
	CrmAllocator a;

	if (c == NULL)
		elog(ERROR, "crm_model_pred_cache called before crm_model_arg");
	if (c->pred != NULL || c->pred_failed)
		return c->pred;
	a.alloc = pred_alloc;
	a.free = pred_free;
	a.ctx = fcinfo->flinfo->fn_mcxt;
	a.advise_huge = crm_pg_advise_huge;
	c->pred = crm_predcache_create(&a);
	c->pred_failed = c->pred == NULL;
	return c->pred;
}
