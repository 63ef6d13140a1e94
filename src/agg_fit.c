/*
 * agg_fit.c
 *		The generic parts of the model-fit aggregates crm.fit_<model>(…):
 *		transition step (after the model's glue has read its data arguments),
 *		the one combine function all fits share, and the final step that
 *		runs the optimizer.
 *
 * Arguments of every crm.fit_<model>_sfunc: state, the model's ndata data
 * arguments, then optionally weight float8, penalizer float8 and start
 * float8[].  Conventions (also in the SQL comments):
 *	- a row with a NULL data argument or a NULL weight is skipped, as SQL
 *	  aggregates skip NULL inputs;
 *	- a NULL penalizer means 0, a NULL start means the model's own start;
 *	- the penalizer and the start must be identical in every row (and in
 *	  every partial state that is combined): 22023 otherwise;
 *	- bad data values or weights: 22023 naming the row's values;
 *	- no (non-skipped) rows: the aggregate returns NULL;
 *	- a fit that does not converge returns converged = false with a WARNING.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "crm_model_glue.h"

/*
 * "name = value, name = value" for the data arguments 1..ndata (and the
 * weight when present) of the current row, for error details.  Names come
 * from the sfunc's declared argument names, values from their types' output
 * functions.  Only called on the error path.
 */
static char *
describe_row(FunctionCallInfo fcinfo, int nshow)
{
	StringInfoData buf;
	HeapTuple	proctup;
	char	  **names = NULL;
	int			nnames = 0;
	int			i;

	initStringInfo(&buf);
	proctup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fcinfo->flinfo->fn_oid));
	if (HeapTupleIsValid(proctup))
	{
		Oid		   *types;
		char	   *modes;

		nnames = get_func_arg_info(proctup, &types, &names, &modes);
		ReleaseSysCache(proctup);
	}
	for (i = 1; i <= nshow && i < PG_NARGS(); i++)
	{
		const char *name = (names != NULL && i < nnames && names[i] != NULL && names[i][0] != '\0')
			? names[i] : psprintf("argument %d", i);

		if (i > 1)
			appendStringInfoString(&buf, ", ");
		if (PG_ARGISNULL(i))
			appendStringInfo(&buf, "%s = NULL", name);
		else
		{
			Oid			typ = get_fn_expr_argtype(fcinfo->flinfo, i);
			Oid			outfn;
			bool		isvarlena;

			if (!OidIsValid(typ))
			{
				appendStringInfo(&buf, "%s = ?", name);
				continue;
			}
			getTypeOutputInfo(typ, &outfn, &isvarlena);
			appendStringInfo(&buf, "%s = %s", name,
							 OidOutputFunctionCall(outfn, PG_GETARG_DATUM(i)));
		}
	}
	return buf.data;
}

/*
 * Read the options (penalizer, start) of the current row into a template
 * accumulator; the caller compares or creates.
 */
static void
read_options(FunctionCallInfo fcinfo, const CrmModelSpec *spec, int ndata, CrmAccum *opts)
{
	int			pen_arg = ndata + 2;
	int			start_arg = ndata + 3;
	double		penalizer = 0.0;
	bool		has_start = false;
	double		start[CRM_MAX_PARAMS] = {0};
	CrmStatus	st;

	if (PG_NARGS() > pen_arg && !PG_ARGISNULL(pen_arg))
	{
		penalizer = PG_GETARG_FLOAT8(pen_arg);
		if (isnan(penalizer) || isinf(penalizer) || penalizer < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("penalizer must be a finite non-negative number"),
					 errdetail("The penalizer given is %g.", penalizer),
					 errhint("Use 0 (or NULL) for an unpenalised fit.")));
	}
	if (PG_NARGS() > start_arg && !PG_ARGISNULL(start_arg))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(start_arg);
		int			n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
		const double *v;
		int			i;

		if (ARR_ELEMTYPE(arr) != FLOAT8OID)
			elog(ERROR, "start must be a float8 array");
		if (ARR_NDIM(arr) > 1 || n != spec->nparams)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("start must be a one-dimensional array of %d values", spec->nparams),
					 errdetail("The model %s has %d parameters; the array given has %d elements in %d dimensions.",
							   spec->name, spec->nparams, n, ARR_NDIM(arr)),
					 errhint("Pass the parameters in the order of the type crm.%s.", spec->name)));
		if (ARR_HASNULL(arr))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("start must not contain NULL values")));
		/* no NULLs, so the data follow the fixed header (ARR_DATA_PTR trips -Wsign-compare) */
		v = (const double *) ((const char *) arr + ARR_OVERHEAD_NONULLS(ARR_NDIM(arr)));
		for (i = 0; i < n; i++)
		{
			if (isnan(v[i]) || isinf(v[i]) || v[i] <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("start values must be finite positive numbers"),
						 errdetail("Start value %d (%s) is %g.", i + 1, spec->param_names[i], v[i])));
			start[i] = v[i];
		}
		has_start = true;
	}
	st = crm_accum_init(opts, spec->kind, penalizer, has_start, start);
	if (st != CRM_OK)
		crm_report_status(st, "invalid fit options");
}

/* 22023 when two sets of fit options differ. */
static void
options_mismatch(const CrmAccum *a, const CrmAccum *b, const char *where)
{
	if (a->kind != b->kind)
	{
		const CrmModelSpec *sa = crm_model_spec(a->kind);
		const CrmModelSpec *sb = crm_model_spec(b->kind);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine fit states of different models"),
				 errdetail("One state is for model %s, the other for model %s.",
						   sa ? sa->name : "?", sb ? sb->name : "?")));
	}
	if (a->penalizer != b->penalizer)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the penalizer must be the same in every %s", where),
				 errdetail("Penalizers %g and %g were given.", a->penalizer, b->penalizer),
				 errhint("Pass the penalizer as a constant.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("the start values must be the same in every %s", where),
			 errdetail("%s.", a->has_start != b->has_start
					   ? "Some have a start vector and some do not"
					   : "Two different start vectors were given"),
			 errhint("Pass the start vector as a constant.")));
}

/* Transition step; see crm_model_glue.h. */
Datum
crm_fit_sfunc(FunctionCallInfo fcinfo, CrmModelKind kind, int ndata, const CrmObs *obs)
{
	const CrmModelSpec *spec = crm_model_spec_or_error(kind);
	MemoryContext aggcontext;
	MemoryContext old;
	CrmFitState *fs = NULL;
	CrmAccum	opts;
	CrmObs		o = *obs;
	const char *reason = NULL;
	int			w_arg = ndata + 1;
	CrmStatus	st;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		aggcontext = CurrentMemoryContext;	/* called directly: work on a copy */

	/* weight: NULL skips the row */
	o.w = 1.0;
	if (PG_NARGS() > w_arg)
	{
		if (PG_ARGISNULL(w_arg))
			return crm_fit_sfunc_skip(fcinfo);
		o.w = PG_GETARG_FLOAT8(w_arg);
		if (isnan(o.w) || isinf(o.w) || o.w <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weight must be a finite positive number"),
					 errdetail("The row has %s.", describe_row(fcinfo, ndata + 1)),
					 errhint("A weight counts identical customers; leave out rows that stand for none.")));
	}
	if (spec->check_obs(&o, &reason) != CRM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", reason != NULL ? reason : "invalid observation"),
				 errdetail("The row has %s.", describe_row(fcinfo, ndata)),
				 errhint("Correct or leave out the row.")));

	/*
	 * Without penalizer and start arguments every row has the default
	 * options, which a R/W state of this model made by an earlier row has
	 * too: nothing to compare (the common case; building and comparing an
	 * options template for each row costs a tenth of the transition).
	 */
	if (!PG_ARGISNULL(0) && PG_NARGS() <= ndata + 2)
	{
		fs = crm_fit_state_rw(PG_GETARG_DATUM(0));
		if (fs != NULL && (fs->acc.kind != kind || fs->acc.has_start || fs->acc.penalizer != 0.0))
			fs = NULL;
	}
	if (fs == NULL)
	{
		read_options(fcinfo, spec, ndata, &opts);
		if (!PG_ARGISNULL(0))
		{
			fs = crm_fit_state_rw(PG_GETARG_DATUM(0));
			if (fs == NULL)
				fs = crm_fit_state_copy(PG_GETARG_DATUM(0), aggcontext);
			if (!crm_accum_compatible(&fs->acc, &opts))
				options_mismatch(&fs->acc, &opts, "row");
		}
		else
			fs = crm_fit_state_new(aggcontext, &opts);
	}

	old = MemoryContextSwitchTo(fs->hdr.eoh_context);
	st = crm_accum_add(&fs->acc, o.x, o.tx, o.T, o.w);
	MemoryContextSwitchTo(old);
	if (st != CRM_OK)
		crm_report_status(st, "cannot add the row to the fit state");
	PG_RETURN_DATUM(CrmFitStateGetRWDatum(fs));
}

/* Skipped row: the state as it is (NULL stays NULL). */
Datum
crm_fit_sfunc_skip(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

PG_FUNCTION_INFO_V1(fit_combine);

/*
 * crm.fit_combine(fit_state, fit_state): merge two partial states (the
 * combine function of every fit aggregate).  Not strict: a NULL side is the
 * empty state; when the first is NULL the second is copied into the
 * aggregate context.  Different models or options: 22023.
 */
Datum
fit_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	MemoryContext old;
	CrmFitState *fs;
	CrmAccum	tmp;
	const CrmAccum *src;
	bool		used_tmp;
	CrmStatus	st;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		aggcontext = CurrentMemoryContext;
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
	{
		fs = crm_fit_state_copy(PG_GETARG_DATUM(1), aggcontext);
		PG_RETURN_DATUM(CrmFitStateGetRWDatum(fs));
	}
	fs = crm_fit_state_rw(PG_GETARG_DATUM(0));
	if (fs == NULL)
		fs = crm_fit_state_copy(PG_GETARG_DATUM(0), aggcontext);
	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(1))))
	{
		/* a flat partial state (from a worker, or text): merge straight from its bytes */
		struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(1));
		const char *reason = NULL;

		old = MemoryContextSwitchTo(fs->hdr.eoh_context);
		CRM_CALL_CORE(st, crm_accum_merge_encoded(&fs->acc, (const unsigned char *) VARDATA_ANY(v),
												  VARSIZE_ANY_EXHDR(v), &reason));
		MemoryContextSwitchTo(old);
		if (st == CRM_OK)
			PG_RETURN_DATUM(CrmFitStateGetRWDatum(fs));
		if (st != CRM_EPARAM)
		{
			if (st == CRM_ENOMEM || st == CRM_ERANGE || st == CRM_EINTERRUPTED)
				crm_report_status(st, "cannot combine fit states");
			crm_fit_state_report(st, reason);
		}
		/* incompatible: decode fully for the message */
	}
	src = crm_fit_state_read(PG_GETARG_DATUM(1), &tmp, &used_tmp);
	if (!crm_accum_compatible(&fs->acc, src))
		options_mismatch(&fs->acc, src, "partial state");
	old = MemoryContextSwitchTo(fs->hdr.eoh_context);
	st = crm_accum_merge(&fs->acc, src);
	MemoryContextSwitchTo(old);
	if (used_tmp)
		crm_accum_free(&tmp);
	if (st != CRM_OK)
		crm_report_status(st, "cannot combine fit states");
	PG_RETURN_DATUM(CrmFitStateGetRWDatum(fs));
}

/* Final step; see crm_model_glue.h. */
Datum
crm_fit_final(FunctionCallInfo fcinfo, CrmModelKind kind)
{
	const CrmModelSpec *spec = crm_model_spec_or_error(kind);
	CrmAccum	tmp;
	const CrmAccum *acc;
	bool		used_tmp;
	CrmObs	   *obs = NULL;
	size_t		n = 0;
	double		total = 0.0;
	CrmFitOptions opt;
	CrmFitResult res;
	const char *reason = NULL;
	CrmStatus	st;
	instr_time	t0,
				t1,
				t2;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	INSTR_TIME_SET_CURRENT(t0);
	acc = crm_fit_state_read(PG_GETARG_DATUM(0), &tmp, &used_tmp);
	if (acc->kind != kind)
	{
		const CrmModelSpec *other = crm_model_spec(acc->kind);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit state is for model %s, not %s", other ? other->name : "?",
						spec->name)));
	}
	if (acc->n == 0)
		PG_RETURN_NULL();

	/* sorted copy: the result does not depend on row order or parallelism */
	st = crm_accum_sorted(acc, &obs, &n, &total);
	if (st != CRM_OK)
		crm_report_status(st, "cannot prepare the fit data");
	crm_accum_fit_options(acc, &opt);
	if (used_tmp)
		crm_accum_free(&tmp);

	if (spec->check_data != NULL && spec->check_data(obs, n, &reason) != CRM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot fit model %s to these data", spec->name),
				 errdetail("The model is not identified: %s.", reason ? reason : "no usable data"),
				 errhint("Check the input rows, or fit a larger group.")));

	INSTR_TIME_SET_CURRENT(t1);
	CRM_CALL_CORE(st, crm_fit(spec, obs, n, &opt, &res));
	crm_free_huge(obs);
	INSTR_TIME_SET_CURRENT(t2);
	INSTR_TIME_SUBTRACT(t2, t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	ereport(DEBUG1,
			(errmsg_internal("fit of model %s: %zu distinct rows of %.0f customers sorted in %.1f ms, fitted in %.1f ms (%d likelihood evaluations, %s)",
							 spec->name, n, total, INSTR_TIME_GET_MILLISEC(t1),
							 INSTR_TIME_GET_MILLISEC(t2), st == CRM_OK ? res.iterations : 0,
							 st == CRM_OK ? res.method : "failed")));
	switch (st)
	{
		case CRM_OK:
			break;
		case CRM_EINTERRUPTED:
			CHECK_FOR_INTERRUPTS();
			crm_report_status(st, "model fit was interrupted");
			break;
		case CRM_ENOCONV:
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot fit model %s: no finite likelihood found", spec->name),
					 errdetail("The optimizer stopped after %d evaluations: %s.",
							   res.iterations, res.message),
					 errhint("Pass a start vector closer to plausible parameters.")));
			break;
		default:
			crm_report_status(st, psprintf("cannot fit model %s", spec->name));
	}
	if (!res.converged)
		ereport(WARNING,
				(errmsg("fit of model %s did not converge", spec->name),
				 errdetail("The optimizer (%s) stopped after %d likelihood evaluations: %s.",
						   res.method, res.iterations, res.message),
				 errhint("The result has converged = false; check the data, or add a penalizer.")));
	return crm_model_result(fcinfo, spec, res.par, &res);
}
