/*
 * fn_simulate.c
 *		crm.simulate_customers() and crm.simulate_bgnbd(): set-returning
 *		glue over the demo-data simulator of src/core/simulate.c.  Both take
 *		the same arguments and describe the same simulated population: one
 *		row per customer, and one row per interaction.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "crm_pg.h"
#include "core/simulate.h"

#define USECS_PER_WEEK (7 * USECS_PER_DAY)

/* Per-query state of both functions (in the multi-call context). */
typedef struct SimState
{
	CrmSimParams sp;
	uint64		seed;
	int64		n;
	TimestampTz end;
	int64		next;			/* next customer to simulate (1-based) */
	CrmSimCustomer cust;
	CrmSimBuffer buf;
	size_t		pos;			/* next event of buf to return */
} SimState;

/* Require a model parameter to be finite and positive. */
static double
sim_positive_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	double		v = crm_arg_finite(fcinfo, argno, name);

	if (v <= 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be positive", name),
				 errdetail("The value given is %g.", v)));
	return v;
}

/* Fetch and check the common arguments into st. */
static void
sim_fetch_args(FunctionCallInfo fcinfo, SimState *st)
{
	int32		n = PG_GETARG_INT32(0);
	const char *reason = NULL;
	CrmStatus	status;

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("customers must not be negative"),
				 errdetail("The value given is %d.", n)));
	st->n = n;
	st->seed = (uint64) PG_GETARG_INT64(1);
	st->end = PG_GETARG_TIMESTAMPTZ(2);
	if (TIMESTAMP_NOT_FINITE(st->end))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("observation_end must be finite"),
				 errdetail("The value given is %s.", TIMESTAMP_IS_NOBEGIN(st->end) ? "-infinity" : "infinity")));
	st->sp.r = sim_positive_arg(fcinfo, 3, "r");
	st->sp.alpha = sim_positive_arg(fcinfo, 4, "alpha");
	st->sp.a = sim_positive_arg(fcinfo, 5, "a");
	st->sp.b = sim_positive_arg(fcinfo, 6, "b");
	st->sp.p = sim_positive_arg(fcinfo, 7, "p");
	st->sp.q = sim_positive_arg(fcinfo, 8, "q");
	st->sp.v = sim_positive_arg(fcinfo, 9, "v");
	st->sp.window_weeks = sim_positive_arg(fcinfo, 10, "window_weeks");
	st->sp.acquisition_weeks = crm_arg_finite(fcinfo, 11, "acquisition_weeks");
	if (st->sp.window_weeks > 10400.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window_weeks must not exceed 10400 (200 years)"),
				 errdetail("The value given is %g.", st->sp.window_weeks)));
	if (st->sp.acquisition_weeks < 0.0 || st->sp.acquisition_weeks > st->sp.window_weeks)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("acquisition_weeks must be between 0 and window_weeks"),
				 errdetail("acquisition_weeks is %g and window_weeks is %g.",
						   st->sp.acquisition_weeks, st->sp.window_weeks)));
	/* the oldest timestamp must exist */
	if (!IS_VALID_TIMESTAMP(st->end - (int64) ceil(st->sp.window_weeks * USECS_PER_WEEK)))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("observation_end minus window_weeks is out of the timestamp range"),
				 errdetail("window_weeks is %g.", st->sp.window_weeks)));
	status = crm_sim_check(&st->sp, st->n, &reason);
	if (status != CRM_OK)
		ereport(ERROR,
				(errcode(crm_status_sqlstate(status)),
				 errmsg("%s", reason)));
	st->next = 1;
	st->pos = 0;
	st->buf.n = 0;
}

/* The timestamp a number of weeks before the observation end. */
static TimestampTz
sim_time(const SimState *st, double weeks_before_end)
{
	return st->end - (int64) llround(weeks_before_end * (double) USECS_PER_WEEK);
}

/* Simulate customer st->next into st->buf (in the multi-call context). */
static void
sim_next_customer(SimState *st, MemoryContext mcxt)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	CrmStatus	status;

	crm_sim_customer(&st->sp, st->seed, st->n, st->next, &st->cust);
	status = crm_sim_events(&st->sp, st->seed, st->n, &st->cust, &st->buf);
	MemoryContextSwitchTo(old);
	if (status == CRM_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("simulated customer would make too many purchases"),
				 errdetail("Customer " INT64_FORMAT " has purchase rate %g per week and dropout probability %g, "
						   "which exceeds %d purchases.",
						   st->next, st->cust.lambda, st->cust.dropout, CRM_SIM_MAX_PURCHASES),
				 errhint("Use a smaller r / alpha (the mean purchase rate) or a larger a / (a + b).")));
	if (status != CRM_OK)
		crm_report_status(status, "cannot simulate demo customers");
	st->pos = 0;
	st->next++;
}

/* First call of either function: state and result descriptor. */
static SimState *
sim_first_call(FunctionCallInfo fcinfo, FuncCallContext *funcctx)
{
	MemoryContext old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
	SimState   *st = palloc0(sizeof(SimState));
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	funcctx->tuple_desc = BlessTupleDesc(tupdesc);
	sim_fetch_args(fcinfo, st);
	funcctx->user_fctx = st;
	MemoryContextSwitchTo(old);
	return st;
}

PG_FUNCTION_INFO_V1(simulate_bgnbd);

/*
 * crm.simulate_bgnbd(customers, seed, observation_end, r, alpha, a, b, p,
 * q, v, window_weeks, acquisition_weeks): the simulated interactions,
 * customer by customer in time order (a referral row, which belongs to the
 * referrer, comes after the referred customer's rows).
 */
Datum
simulate_bgnbd(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	SimState   *st;
	const CrmSimEvent *e;
	Datum		values[8];
	bool		nulls[8];

	if (SRF_IS_FIRSTCALL())
	{
		funcctx = SRF_FIRSTCALL_INIT();
		(void) sim_first_call(fcinfo, funcctx);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = (SimState *) funcctx->user_fctx;

	while (st->pos >= st->buf.n)
	{
		if (st->next > st->n)
		{
			MemoryContext old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);

			crm_sim_buffer_free(&st->buf);
			MemoryContextSwitchTo(old);
			SRF_RETURN_DONE(funcctx);
		}
		CHECK_FOR_INTERRUPTS();
		sim_next_customer(st, funcctx->multi_call_memory_ctx);
	}
	e = &st->buf.ev[st->pos++];

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(e->customer);
	values[1] = TimestampTzGetDatum(sim_time(st, e->before_end));
	values[2] = CStringGetTextDatum(crm_sim_kind_name(e->kind));
	values[3] = Float8GetDatum(e->amount);
	nulls[3] = !e->has_amount;
	values[4] = Float8GetDatum(e->cost);
	nulls[4] = !e->has_cost;
	values[5] = CStringGetTextDatum(e->channel);
	values[6] = Int32GetDatum(e->satisfaction);
	nulls[6] = e->satisfaction == 0;
	values[7] = Int64GetDatum(e->referred);
	nulls[7] = e->referred == 0;
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
}

PG_FUNCTION_INFO_V1(simulate_customers);

/*
 * crm.simulate_customers(same arguments): one row per simulated customer
 * with its attributes and its true latent values and (x, t_x, T).
 */
Datum
simulate_customers(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	SimState   *st;
	const CrmSimCustomer *c;
	Datum		values[16];
	bool		nulls[16];
	char	   *email;
	char	   *p;

	if (SRF_IS_FIRSTCALL())
	{
		funcctx = SRF_FIRSTCALL_INIT();
		(void) sim_first_call(fcinfo, funcctx);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = (SimState *) funcctx->user_fctx;

	if (st->next > st->n)
	{
		MemoryContext old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);

		crm_sim_buffer_free(&st->buf);
		MemoryContextSwitchTo(old);
		SRF_RETURN_DONE(funcctx);
	}
	CHECK_FOR_INTERRUPTS();
	sim_next_customer(st, funcctx->multi_call_memory_ctx);
	c = &st->cust;

	email = psprintf("%s.%s." INT64_FORMAT "@example.com", c->first_name, c->last_name, c->id);
	for (p = email; *p; p++)
		*p = pg_ascii_tolower((unsigned char) *p);

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(c->id);
	values[1] = TimestampTzGetDatum(sim_time(st, c->age));
	values[2] = CStringGetTextDatum(psprintf("%s %s", c->first_name, c->last_name));
	values[3] = CStringGetTextDatum(email);
	values[4] = CStringGetTextDatum(c->country);
	values[5] = CStringGetTextDatum(c->channel);
	values[6] = Float8GetDatum(c->acquisition_cost);
	values[7] = Int64GetDatum(c->referred_by);
	nulls[7] = c->referred_by == 0;
	values[8] = Float8GetDatum(c->lambda);
	values[9] = Float8GetDatum(c->dropout);
	values[10] = Float8GetDatum(c->nu);
	values[11] = Int64GetDatum(c->repeat_purchases);
	values[12] = Float8GetDatum(c->recency);
	values[13] = Float8GetDatum(c->age);
	values[14] = BoolGetDatum(c->alive);
	values[15] = TimestampTzGetDatum(sim_time(st, c->age - c->dropout_age));
	nulls[15] = c->alive;
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
}
