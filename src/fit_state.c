/*
 * fit_state.c
 *		The SQL type crm.fit_state: the transition state of every model-fit
 *		aggregate, its text and binary I/O, and its expanded-object form.
 *
 * On disk and on the wire a fit_state is a varlena whose payload is the
 * accumulator's codec encoding (src/core/accum.h: version byte, tag,
 * little-endian).  Its text form is "fitstate:" followed by the base64url
 * of those bytes (codec.h), so text output and input round-trip the exact
 * bytes, which is what Citus needs to push the fit aggregates down (it
 * ships partial states as text and never calls a SERIALFUNC).  Every input
 * path (text, binary, or a flat value reaching the aggregate functions)
 * is decoded with full validation before anything is trusted.
 *
 * While an aggregate runs, the state is an expanded object (like
 * array_append's arrays): the first transition call creates it in a child
 * context of the aggregate context and returns its read/write pointer;
 * nodeAgg keeps such a value without copying it (ExecAggTransReparent in
 * PG 13-15, ExecAggCopyTransValue in PG 16+, both skip the copy when the
 * object's context is a child of the aggregate context), so later calls
 * update the hash table in place: amortised O(1) per row.  When the value
 * has to leave the aggregate (partial aggregation, output), PostgreSQL
 * flattens it through get_flat_size/flatten_into below.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "crm_model_glue.h"
#include "core/codec.h"

#define FIT_STATE_TEXT_PREFIX "fitstate"

static Size fit_state_get_flat_size(ExpandedObjectHeader *eohptr);
static void fit_state_flatten_into(ExpandedObjectHeader *eohptr, void *result,
								   Size allocated_size);

static const ExpandedObjectMethods fit_state_methods = {
	fit_state_get_flat_size,
	fit_state_flatten_into
};

/* ereport for a failed decode; see crm_model_glue.h. */
void
crm_fit_state_report(CrmStatus st, const char *reason)
{
	if (st == CRM_EINTERRUPTED)
		CHECK_FOR_INTERRUPTS();
	if (st == CRM_ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while reading a fit state")));
	if (st == CRM_EUNSUP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("fit state is for a model this version of crm_ext does not provide"),
				 errhint("Install the crm_ext version that wrote the state.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid fit state"),
			 errdetail("The encoded state is malformed: %s.",
					   reason != NULL ? reason : crm_status_message(st))));
	pg_unreachable();
}

/* Flat size: varlena header + encoding. */
static Size
fit_state_get_flat_size(ExpandedObjectHeader *eohptr)
{
	CrmFitState *fs = (CrmFitState *) eohptr;
	size_t		n;
	CrmStatus	st;

	Assert(fs->hdr.eoh_methods == &fit_state_methods);
	/* merge the repeated keys of a flat state first (see accum.h) */
	CRM_CALL_CORE(st, crm_accum_compact(&fs->acc));
	if (st != CRM_OK)
		crm_report_status(st, "cannot encode the fit state");
	n = crm_accum_encoded_size(&fs->acc);
	if (n > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("fit state is too large"),
				 errdetail("The state holds %zu distinct observations; at most %zu fit in 1 GB.",
						   fs->acc.n, (size_t) (MaxAllocSize / CRM_ACCUM_ENTRY_BYTES_MAX) - 1),
				 errhint("Fit on a sample, or round the inputs so that more customers share a pattern.")));
	return (Size) n + VARHDRSZ;
}

/* Write the flat form into result (allocated_size from get_flat_size). */
static void
fit_state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	CrmFitState *fs = (CrmFitState *) eohptr;

	Assert(allocated_size == crm_accum_encoded_size(&fs->acc) + VARHDRSZ);
	if (crm_accum_encode(&fs->acc, (unsigned char *) VARDATA(result),
						 allocated_size - VARHDRSZ) != CRM_OK)
		elog(ERROR, "fit state encoding does not fit its computed size");
	SET_VARSIZE(result, allocated_size);
}

/* Allocate an expanded object with an empty accumulator in a child context of parent. */
static CrmFitState *
fit_state_alloc(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "crm fit state",
											  ALLOCSET_SMALL_SIZES);
	CrmFitState *fs = MemoryContextAllocZero(cxt, sizeof(CrmFitState));

	EOH_init_header(&fs->hdr, &fit_state_methods, cxt);
	return fs;
}

/* A new empty state with the options of opts; see crm_model_glue.h. */
CrmFitState *
crm_fit_state_new(MemoryContext parent, const CrmAccum *opts)
{
	CrmFitState *fs = fit_state_alloc(parent);

	if (crm_accum_init(&fs->acc, opts->kind, opts->penalizer, opts->has_start,
					   opts->start) != CRM_OK)
		elog(ERROR, "fit options were not validated");
	return fs;
}

/* The state behind a R/W expanded fit_state datum, or NULL. */
CrmFitState *
crm_fit_state_rw(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != &fit_state_methods)
		return NULL;
	return (CrmFitState *) eoh;
}

/*
 * Decode a flat fit_state datum (any varlena form) into acc, allocating in
 * CurrentMemoryContext; ereport on malformed input.
 */
static void
fit_state_decode_flat(Datum d, CrmAccum *acc)
{
	struct varlena *v = PG_DETOAST_DATUM(d);
	const char *reason = NULL;
	CrmStatus	st;

	CRM_CALL_CORE(st, crm_accum_decode((const unsigned char *) VARDATA_ANY(v),
										VARSIZE_ANY_EXHDR(v), acc, &reason));
	if ((Pointer) v != DatumGetPointer(d))
		pfree(v);
	if (st != CRM_OK)
	{
		crm_accum_free(acc);
		crm_fit_state_report(st, reason);
	}
}

/* Read-only view of any fit_state datum; see crm_model_glue.h. */
const CrmAccum *
crm_fit_state_read(Datum d, CrmAccum *tmp, bool *used_tmp)
{
	*used_tmp = false;
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedObjectHeader *eoh = DatumGetEOHP(d);

		if (eoh->eoh_methods == &fit_state_methods)
		{
			CrmAccum   *acc = &((CrmFitState *) eoh)->acc;

			crm_accum_flush(acc);	/* rows parked by crm_accum_add */
			return acc;
		}
	}
	fit_state_decode_flat(d, tmp);
	*used_tmp = true;
	return tmp;
}

/* An expanded copy in a child context of parent; see crm_model_glue.h. */
CrmFitState *
crm_fit_state_copy(Datum d, MemoryContext parent)
{
	CrmFitState *fs = fit_state_alloc(parent);
	MemoryContext old = MemoryContextSwitchTo(fs->hdr.eoh_context);

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)) &&
		DatumGetEOHP(d)->eoh_methods == &fit_state_methods)
	{
		const CrmAccum *src = &((CrmFitState *) DatumGetEOHP(d))->acc;
		CrmStatus	st;

		if (crm_accum_init(&fs->acc, src->kind, src->penalizer, src->has_start,
						   src->start) != CRM_OK)
			elog(ERROR, "expanded fit state has invalid options");
		st = crm_accum_merge(&fs->acc, src);
		if (st != CRM_OK)
			crm_report_status(st, "cannot copy a fit state");
	}
	else
		fit_state_decode_flat(d, &fs->acc);
	MemoryContextSwitchTo(old);
	return fs;
}

/* Decode bytes from text or binary input, validate, and return a flat varlena. */
static Datum
fit_state_from_bytes(const unsigned char *bytes, size_t len)
{
	CrmAccum	acc;
	const char *reason = NULL;
	CrmStatus	st;
	bytea	   *res;

	CRM_CALL_CORE(st, crm_accum_decode(bytes, len, &acc, &reason));
	crm_accum_free(&acc);
	if (st != CRM_OK)
		crm_fit_state_report(st, reason);
	res = (bytea *) palloc(len + VARHDRSZ);
	SET_VARSIZE(res, len + VARHDRSZ);
	memcpy(VARDATA(res), bytes, len);
	PG_RETURN_POINTER(res);
}

PG_FUNCTION_INFO_V1(fit_state_in);

/* crm.fit_state_in(cstring): "fitstate:<base64url>" -> fit_state. */
Datum
fit_state_in(PG_FUNCTION_ARGS)
{
	const char *text = PG_GETARG_CSTRING(0);
	unsigned char *bytes = NULL;
	size_t		len = 0;
	CrmStatus	st = crm_text_decode(FIT_STATE_TEXT_PREFIX, text, &bytes, &len);
	Datum		res;

	if (st != CRM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type crm.fit_state"),
				 errdetail("A fit state is written \"%s:\" followed by base64url text.",
						   FIT_STATE_TEXT_PREFIX)));
	res = fit_state_from_bytes(bytes, len);
	crm_free(bytes);
	PG_RETURN_DATUM(res);
}

PG_FUNCTION_INFO_V1(fit_state_out);

/* crm.fit_state_out(fit_state): the text form of the exact bytes. */
Datum
fit_state_out(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	size_t		len = VARSIZE_ANY_EXHDR(v);
	size_t		tlen = crm_text_encoded_len(strlen(FIT_STATE_TEXT_PREFIX), len);
	char	   *out = palloc(tlen + 1);

	crm_text_encode(FIT_STATE_TEXT_PREFIX, (const unsigned char *) VARDATA_ANY(v), len, out);
	PG_RETURN_CSTRING(out);
}

PG_FUNCTION_INFO_V1(fit_state_recv);

/* crm.fit_state_recv(internal): binary input, the raw encoding. */
Datum
fit_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	size_t		len = (size_t) (buf->len - buf->cursor);
	Datum		res = fit_state_from_bytes((const unsigned char *) buf->data + buf->cursor, len);

	buf->cursor = buf->len;
	PG_RETURN_DATUM(res);
}

PG_FUNCTION_INFO_V1(fit_state_send);

/* crm.fit_state_send(fit_state): binary output, the raw encoding. */
Datum
fit_state_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) VARDATA_ANY(v), (int) VARSIZE_ANY_EXHDR(v));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(fit_state_info);

/*
 * crm.fit_state_info(fit_state): model, rows, distinct patterns, total
 * weight, penalizer, start (NULL when none).
 */
Datum
fit_state_info(PG_FUNCTION_ARGS)
{
	CrmAccum	tmp;
	bool		used_tmp;
	const CrmAccum *a = crm_fit_state_read(PG_GETARG_DATUM(0), &tmp, &used_tmp);
	const CrmModelSpec *spec = crm_model_spec(a->kind);
	CrmObs	   *obs = NULL;
	size_t		n = 0;
	double		total = 0.0;
	TupleDesc	td;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	CrmStatus	st;

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "fit_state_info called in a context without its result type");
	td = BlessTupleDesc(td);
	st = crm_accum_sorted(a, &obs, &n, &total);
	if (st != CRM_OK)
		crm_report_status(st, "cannot read the fit state");
	crm_free_huge(obs);
	values[0] = CStringGetTextDatum(spec != NULL ? spec->name : "?");
	values[1] = Int64GetDatum(a->rows);
	values[2] = Int64GetDatum((int64) n);
	values[3] = Float8GetDatum(total);
	values[4] = Float8GetDatum(a->penalizer);
	if (a->has_start)
	{
		Datum		elems[CRM_MAX_PARAMS];
		int			i;

		for (i = 0; i < a->nparams; i++)
			elems[i] = Float8GetDatum(a->start[i]);
		values[5] = PointerGetDatum(construct_array(elems, a->nparams, FLOAT8OID, 8,
													FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	else
		nulls[5] = true;
	if (used_tmp)
		crm_accum_free(&tmp);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}
