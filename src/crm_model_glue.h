/*
 * crm_model_glue.h
 *		Glue shared by the probability models: model composite values (read
 *		with a per-call-site cache, built as results), the fit_state type and
 *		the generic fit aggregate machinery.
 *
 * ==========================================================================
 * HOW TO ADD A MODEL (copy the sBG files; "xyz" is your model)
 * ==========================================================================
 *
 * 1. Core (plain C, src/core/xyz.c, contract src/core/xyz.h):
 *	  the likelihood and predictions, and `const CrmModelSpec crm_xyz_spec`
 *	  (crm_model.h): kind, name (= the SQL type name, e.g. "bgnbd"), nparams,
 *	  param_names (= the composite's field names, in order), check_obs
 *	  (the only check a data row gets: it must reject NaN/Inf, negatives,
 *	  fractions, recency > T … with a lower-case reason, which becomes the
 *	  error message), check_params, loglik (Σ w ln L and the gradient w.r.t.
 *	  the natural parameters; obs arrive sorted by (x, tx, T) and distinct;
 *	  CRM_ERANGE where not finite, which makes the optimizer back off),
 *	  check_data (optional: CRM_EEMPTY when the data cannot identify the
 *	  model), start (deterministic, data-driven; good starts save
 *	  evaluations).  The optimizer (optim.c) works on log-parameters,
 *	  ends with a Newton polish and reports converged = false when the
 *	  gradient is not small, a parameter runs off to 1e±17, or the Hessian
 *	  is nearly singular (parameters not identified).  Add xyz.c to
 *	  CORE_SRCS; the real spec overrides the weak placeholder in
 *	  src/core/models.c (delete that placeholder line when convenient).
 *	  Unit tests: test/unit/test_xyz.c (UNIT_SRCS + test/unit/suites.h);
 *	  fit a small data set through crm_fit() there as test_sbg.c does.
 *
 * 2. Glue (src/fn_xyz.c, in GLUE_SRCS; see src/fn_sbg.c):
 *	  - constructor:   Datum xyz(PG_FUNCTION_ARGS)
 *						   { return crm_model_construct(fcinfo, CRM_MODEL_XYZ); }
 *	  - fit sfunc:	   fit_xyz_sfunc: skip the row when a data argument is
 *					   NULL (return crm_fit_sfunc_skip(fcinfo)), else fill a
 *					   CrmObs (x, tx, T) from arguments 1..ndata and return
 *					   crm_fit_sfunc(fcinfo, CRM_MODEL_XYZ, ndata, &obs).
 *					   Arguments after the data (weight, penalizer, start) are
 *					   handled generically, and so are the error details:
 *					   they print the row with the sfunc's SQL argument
 *					   names, so name the sfunc's arguments in the SQL.
 *					   BG/NBD-like models read three float8 arguments
 *					   (frequency, recency, t) into x, tx, T unchanged.
 *	  - fit final:	   Datum fit_xyz_final(PG_FUNCTION_ARGS)
 *						   { return crm_fit_final(fcinfo, CRM_MODEL_XYZ); }
 *	  - predictions:   one C function per SQL function, named like it with a
 *					   model suffix where the SQL name is overloaded
 *					   (p_alive_xyz for crm.p_alive(crm.xyz, ...)):
 *						 const double *par = crm_model_arg(fcinfo, 0, CRM_MODEL_XYZ);
 *						 double t = crm_arg_finite(fcinfo, 1, "horizon");
 *						 ... check the other arguments (22023), call the core
 *						 (through CRM_CALL_CORE when it can run long),
 *						 crm_report_status() on a bad status, PG_RETURN_FLOAT8.
 *					   crm_model_arg() validates the parameters once per
 *					   distinct model value and caches them in fn_extra, so a
 *					   prediction over a million rows costs about as much as a
 *					   plain float8 expression (do not deform the composite
 *					   yourself, do not use fn_extra for anything else).
 *					   When the costly part of a prediction depends on
 *					   fewer inputs than the row, pass the call site's
 *					   crm_model_pred_cache(fcinfo) to a core function that
 *					   memoizes it (src/core/predcache.h; see
 *					   crm_pnbd_p_alive_memo).
 *
 * 3. SQL (sql/install/3N_xyz.sql, in INSTALL_PARTS; see 35_sbg.sql):
 *	  - CREATE TYPE crm.xyz AS (<params> float8, loglik float8,
 *		n_customers float8, iterations int, converged boolean) + COMMENTs
 *		on the type and on every attribute;
 *	  - constructor crm.xyz(<params> float8) IMMUTABLE STRICT PARALLEL SAFE;
 *	  - crm.fit_xyz_sfunc overloads (state crm.fit_state, <data args>
 *		[, weight float8 [, penalizer float8 [, start float8[]]]]), NOT strict,
 *		IMMUTABLE PARALLEL SAFE, all AS 'MODULE_PATHNAME', 'fit_xyz_sfunc';
 *	  - crm.fit_xyz_final(crm.fit_state) RETURNS crm.xyz, IMMUTABLE STRICT
 *		PARALLEL SAFE;
 *	  - CREATE AGGREGATE crm.fit_xyz(<data args> [, weight …]) for each of
 *		the four arities: SFUNC crm.fit_xyz_sfunc, STYPE crm.fit_state,
 *		FINALFUNC crm.fit_xyz_final, COMBINEFUNC crm.fit_combine,
 *		SSPACE 1024, PARALLEL SAFE (no SERIALFUNC: the state is a concrete
 *		varlena type, which Citus needs);
 *	  - predictions overloaded on the model type, IMMUTABLE STRICT PARALLEL
 *		SAFE, every object and argument commented.
 *
 * 4. Tests: sql/xyz.sql + expected/xyz.out in REGRESS (constructors,
 *	  predictions at pinned parameters, a small fit, NULL/weight/option
 *	  handling, errors under \set VERBOSITY sqlstate, a parallel plan); a
 *	  conformance script test/conformance/3N_xyz.sql printing "ok - …" /
 *	  "not ok - …" lines against the ref.* tables.
 *
 * Semantics every fit aggregate shares (documented for users in
 * 30_models.sql): rows with a NULL data argument or a NULL weight are
 * skipped; a NULL penalizer means 0 and a NULL start means the model's own
 * starting point; the penalizer and start must be the same in every row;
 * no rows -> NULL; a fit that does not converge gives a WARNING and
 * converged = false.
 * ==========================================================================
 */
#ifndef CRM_MODEL_GLUE_H
#define CRM_MODEL_GLUE_H

#include "crm_pg.h"
#include "miscadmin.h"
#include "utils/expandeddatum.h"

#include "core/crm_model.h"
#include "core/optim.h"
#include "core/accum.h"
#include "core/predcache.h"

/*
 * Run a core call that may stop with CRM_EINTERRUPTED, servicing the
 * interrupt and retrying.  The core's interrupt hook reports any pending
 * interrupt (InterruptPending), including benign ones such as a parallel
 * worker's message to the leader; CHECK_FOR_INTERRUPTS() raises the error
 * for a real cancel and otherwise returns, and the call is repeated (a
 * bounded number of times, in case interrupts are held off).  Use it for
 * every core call that loops long enough to poll crm_interrupted(): fits,
 * series, quadratures.  The call must be restartable (no side effects
 * before it returns).
 *	  CrmStatus st;
 *	  CRM_CALL_CORE(st, crm_xyz_dert(par, delta, x, tx, T, &v));
 */
#define CRM_CALL_CORE(st, call) \
	do { \
		int			crm_tries_ = 0; \
		for (;;) \
		{ \
			(st) = (call); \
			if ((st) != CRM_EINTERRUPTED || ++crm_tries_ > 100) \
				break; \
			CHECK_FOR_INTERRUPTS(); \
		} \
	} while (0)

/* ---- model composite values (model_glue.c) ---- */

/*
 * The validated parameter vector of the model composite in argument argno
 * (of the SQL type of kind).  Checks each parameter (not NULL, finite, the
 * spec's check_params) and raises 22023 otherwise.  Cached in
 * fcinfo->flinfo->fn_extra: a repeated model value costs a length check and
 * a memcmp.  The pointer is valid until the next call.
 */
extern const double *crm_model_arg(FunctionCallInfo fcinfo, int argno, CrmModelKind kind);

/*
 * The prediction memo of this call site (src/core/predcache.h): kept with
 * the model cache in fn_extra, created on first use in fn_mcxt (its tables
 * grow there with the number of distinct keys, to 16 MB at most; those of
 * 2 MB and more on transparent huge pages where the kernel allows).  NULL
 * when it cannot be allocated: pass it on anyway, the core then computes
 * without it.  Call after crm_model_arg(); the memo is keyed by the model
 * parameters too, so it stays right when the model changes from row to
 * row.
 */
extern CrmPredCache *crm_model_pred_cache(FunctionCallInfo fcinfo);

/*
 * Constructor body: arguments 0..nparams-1 are the parameters (float8,
 * STRICT); validates them (22023) and returns the composite with loglik,
 * n_customers, iterations and converged NULL.
 */
extern Datum crm_model_construct(FunctionCallInfo fcinfo, CrmModelKind kind);

/*
 * Build the function's composite result from par and, when fit != NULL,
 * the fit statistics (else those fields are NULL).
 */
extern Datum crm_model_result(FunctionCallInfo fcinfo, const CrmModelSpec *spec,
							  const double *par, const CrmFitResult *fit);

/* The spec of kind, or ereport 0A000 when this build lacks the model. */
extern const CrmModelSpec *crm_model_spec_or_error(CrmModelKind kind);

/* ---- fit aggregates (agg_fit.c) ---- */

/*
 * Transition step of crm.fit_<model>: argument 0 is the state, 1..ndata the
 * data (already read into obs->x, tx, T by the caller, which has skipped
 * NULLs), then optionally weight, penalizer and start.  Validates the row
 * (22023 with the row's values), updates the state in place (expanded
 * object in the aggregate context) and returns it.
 */
extern Datum crm_fit_sfunc(FunctionCallInfo fcinfo, CrmModelKind kind, int ndata,
						   const CrmObs *obs);

/* Transition step for a row that is skipped: returns the state unchanged. */
extern Datum crm_fit_sfunc_skip(FunctionCallInfo fcinfo);

/*
 * Final step of crm.fit_<model>: fits the model to the state (which it does
 * not modify) and returns the composite; NULL state -> NULL.
 */
extern Datum crm_fit_final(FunctionCallInfo fcinfo, CrmModelKind kind);

/* ---- the fit_state type (fit_state.c) ---- */

/*
 * A fit_state value being updated: an expanded object (utils/expandeddatum.h)
 * whose memory context holds the accumulator's arrays.  Allocate for acc
 * only with hdr.eoh_context current (crm_alloc uses CurrentMemoryContext).
 * Its flat form is the accumulator's codec encoding (accum.h).
 */
typedef struct CrmFitState
{
	ExpandedObjectHeader hdr;
	CrmAccum	acc;
} CrmFitState;

#define CrmFitStateGetRWDatum(fs) EOHPGetRWDatum(&(fs)->hdr)

/*
 * A new empty state in a child context of parent, with the kind and options
 * of opts (its entries are not copied).
 */
extern CrmFitState *crm_fit_state_new(MemoryContext parent, const CrmAccum *opts);

/* The state behind a read/write expanded fit_state datum, or NULL when d is not one. */
extern CrmFitState *crm_fit_state_rw(Datum d);

/* An expanded copy in a child context of parent of any fit_state datum (validated). */
extern CrmFitState *crm_fit_state_copy(Datum d, MemoryContext parent);

/*
 * Read-only view of any fit_state datum: the expanded object's accumulator,
 * or the datum decoded (fully validated) into *tmp in CurrentMemoryContext,
 * in which case *used_tmp is set and the caller frees it with
 * crm_accum_free().
 */
extern const CrmAccum *crm_fit_state_read(Datum d, CrmAccum *tmp, bool *used_tmp);

/* ereport for a failed crm_accum_decode (22P02, 0A000, 53200). */
extern void crm_fit_state_report(CrmStatus st, const char *reason) crm_attribute_noreturn();

#endif							/* CRM_MODEL_GLUE_H */
