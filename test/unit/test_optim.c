/*
 * test_optim.c
 *		The generic optimizer (optim.c) on toy likelihoods with closed-form
 *		maximum-likelihood estimates: exactness, start values, the L2
 *		penalizer, non-finite regions, budget and edge detection,
 *		cancellation, determinism; and, on a large simulated BG/NBD data
 *		set, the subsample-then-refine path of large fits against the full
 *		search.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "optim.h"
#include "accum.h"
#include "simulate.h"

void		test_optim(void);

/*
 * Toy model "normal": x ~ N(m, v) with m, v > 0 (the data are positive).
 * MLE: m = weighted mean, v = weighted mean squared deviation.
 * Optional trap: the likelihood is "not finite" (CRM_ERANGE) when
 * m > toy_bad_above, to exercise the derivative-free fallback.
 */
static double toy_bad_above = HUGE_VAL;
static int	toy_calls = 0;

static CrmStatus
toy_check_obs(const CrmObs *o, const char **reason)
{
	return CRM_OK;
}

static CrmStatus
toy_check_params(const double *par, const char **reason)
{
	return CRM_OK;
}

static CrmStatus
toy_loglik(const double *par, const CrmObs *obs, size_t n, double *ll, double *grad)
{
	double		m = par[0],
				v = par[1];
	double		s = 0.0,
				gm = 0.0,
				gv = 0.0;
	size_t		i;

	toy_calls++;
	if (m > toy_bad_above)
		return CRM_ERANGE;
	for (i = 0; i < n; i++)
	{
		double		d = obs[i].x - m;

		s += obs[i].w * (-0.5 * log(2 * M_PI * v) - d * d / (2 * v));
		gm += obs[i].w * d / v;
		gv += obs[i].w * (-0.5 / v + d * d / (2 * v * v));
	}
	*ll = s;
	if (grad)
	{
		grad[0] = gm;
		grad[1] = gv;
	}
	return CRM_OK;
}

static void
toy_start(const CrmObs *obs, size_t n, double *par0)
{
	par0[0] = 1.0;
	par0[1] = 1.0;
}

static const CrmModelSpec toy_spec = {
	.kind = CRM_MODEL_SBG, .name = "toy_normal", .nparams = 2,
	.param_names = {"m", "v", NULL, NULL},
	.check_obs = toy_check_obs, .check_params = toy_check_params,
	.loglik = toy_loglik, .check_data = NULL, .start = toy_start
};

/*
 * Toy model "two normals": x ~ N(m1, v1), tx ~ N(m2, v2), four parameters,
 * to exercise the 4-parameter path.
 */
static CrmStatus
toy4_loglik(const double *par, const CrmObs *obs, size_t n, double *ll, double *grad)
{
	double		l1,
				l2,
				g1[2],
				g2[2];
	CrmObs		o2[64];
	size_t		i;
	CrmStatus	st;

	if (n > 64)
		return CRM_EINTERNAL;
	for (i = 0; i < n; i++)
	{
		o2[i] = obs[i];
		o2[i].x = obs[i].tx;
	}
	st = toy_loglik(par, obs, n, &l1, grad ? g1 : NULL);
	if (st != CRM_OK)
		return st;
	st = toy_loglik(par + 2, o2, n, &l2, grad ? g2 : NULL);
	if (st != CRM_OK)
		return st;
	*ll = l1 + l2;
	if (grad)
	{
		grad[0] = g1[0];
		grad[1] = g1[1];
		grad[2] = g2[0];
		grad[3] = g2[1];
	}
	return CRM_OK;
}

static void
toy4_start(const CrmObs *obs, size_t n, double *par0)
{
	par0[0] = par0[1] = par0[2] = par0[3] = 1.0;
}

static const CrmModelSpec toy4_spec = {
	.kind = CRM_MODEL_SBG, .name = "toy_two_normals", .nparams = 4,
	.param_names = {"m1", "v1", "m2", "v2"},
	.check_obs = toy_check_obs, .check_params = toy_check_params,
	.loglik = toy4_loglik, .check_data = NULL, .start = toy4_start
};

#define NTOY 9
static CrmObs toy_obs[NTOY];
static double toy_mean,
			toy_var,
			toy_mean2,
			toy_var2;

/* Deterministic data with weights; closed-form MLE in toy_mean/toy_var. */
static void
make_toy_data(void)
{
	double		sw = 0,
				sx = 0,
				sxx = 0,
				sy = 0,
				syy = 0;
	int			i;

	for (i = 0; i < NTOY; i++)
	{
		toy_obs[i].x = 3.0 + 0.37 * i + 0.11 * (i % 3);
		toy_obs[i].tx = 40.0 + 2.5 * ((i * 7) % 5);
		toy_obs[i].T = 0.0;
		toy_obs[i].w = 1.0 + (i % 4);
		sw += toy_obs[i].w;
		sx += toy_obs[i].w * toy_obs[i].x;
		sy += toy_obs[i].w * toy_obs[i].tx;
	}
	toy_mean = sx / sw;
	toy_mean2 = sy / sw;
	for (i = 0; i < NTOY; i++)
	{
		sxx += toy_obs[i].w * (toy_obs[i].x - toy_mean) * (toy_obs[i].x - toy_mean);
		syy += toy_obs[i].w * (toy_obs[i].tx - toy_mean2) * (toy_obs[i].tx - toy_mean2);
	}
	toy_var = sxx / sw;
	toy_var2 = syy / sw;
}

static void
exact_mle(void)
{
	CrmFitOptions opt;
	CrmFitResult res;
	CrmStatus	st;

	ut_begin("optim: toy normal MLE exact (2 parameters)");
	crm_fit_options_default(&opt);
	st = crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res);
	ut_ok(st == CRM_OK, "status %s", crm_status_message(st));
	ut_ok(res.converged, "converged (%s, %s)", res.method, res.message);
	ut_close(res.par[0], toy_mean, 1e-10, "m");
	ut_close(res.par[1], toy_var, 1e-10, "v");
	ut_close(res.n_customers, 21.0, 0, "N = sum of weights");
	ut_ok(res.iterations > 0 && res.iterations < 500, "iterations %d", res.iterations);
	printf("# toy normal: %d evaluations, method %s, m rel err %.2e, v rel err %.2e\n",
		   res.iterations, res.method, fabs(res.par[0] / toy_mean - 1),
		   fabs(res.par[1] / toy_var - 1));
	ut_end();

	ut_begin("optim: toy two normals MLE exact (4 parameters)");
	st = crm_fit(&toy4_spec, toy_obs, NTOY, &opt, &res);
	ut_ok(st == CRM_OK && res.converged, "status %s converged %d (%s)",
		  crm_status_message(st), res.converged, res.message);
	ut_close(res.par[0], toy_mean, 1e-10, "m1");
	ut_close(res.par[1], toy_var, 1e-10, "v1");
	ut_close(res.par[2], toy_mean2, 1e-10, "m2");
	ut_close(res.par[3], toy_var2, 1e-10, "v2");
	ut_end();
}

static void
start_values(void)
{
	CrmFitOptions opt;
	CrmFitResult res;
	CrmStatus	st;
	static const double starts[][2] = {{1e-6, 1e-6}, {1e4, 1e-3}, {0.5, 500.0}, {100.0, 100.0}};
	int			i;

	ut_begin("optim: explicit start values reach the same MLE");
	for (i = 0; i < 4; i++)
	{
		crm_fit_options_default(&opt);
		opt.has_start = true;
		opt.start[0] = starts[i][0];
		opt.start[1] = starts[i][1];
		st = crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res);
		ut_ok(st == CRM_OK && res.converged, "start %d: status %s converged %d (%s)", i,
			  crm_status_message(st), res.converged, res.message);
		ut_close(res.par[0], toy_mean, 1e-9, "m from start %d", i);
		ut_close(res.par[1], toy_var, 1e-9, "v from start %d", i);
	}
	opt.start[0] = -1.0;
	ut_ok(crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res) == CRM_EPARAM, "negative start rejected");
	opt.start[0] = NAN;
	ut_ok(crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res) == CRM_EPARAM, "NaN start rejected");
	ut_end();
}

static void
penalizer(void)
{
	CrmFitOptions opt;
	CrmFitResult res;
	CrmStatus	st;
	double		lam = 0.05;
	double		m,
				v,
				sw = 0,
				s1 = 0,
				s2 = 0,
				gm,
				gv;
	int			i;

	ut_begin("optim: L2 penalizer (maximise LL/N - lambda * sum par^2)");
	crm_fit_options_default(&opt);
	opt.penalizer = lam;
	st = crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res);
	ut_ok(st == CRM_OK && res.converged, "status %s converged %d", crm_status_message(st),
		  res.converged);
	m = res.par[0];
	v = res.par[1];
	ut_ok(m < toy_mean, "penalty shrinks the mean (%g < %g)", m, toy_mean);
	/* first-order conditions of the penalised objective, in closed form */
	for (i = 0; i < NTOY; i++)
	{
		double		d = toy_obs[i].x - m;

		sw += toy_obs[i].w;
		s1 += toy_obs[i].w * d;
		s2 += toy_obs[i].w * d * d;
	}
	gm = s1 / sw / v - 2 * lam * m;
	gv = -0.5 / v + s2 / sw / (2 * v * v) - 2 * lam * v;
	ut_close_abs(gm, 0.0, 1e-10, "d/dm of the penalised objective");
	ut_close_abs(gv, 0.0, 1e-10, "d/dv of the penalised objective");
	/* loglik is reported without the penalty */
	{
		double		ll;

		toy_loglik(res.par, toy_obs, NTOY, &ll, NULL);
		ut_close(res.loglik, ll, 1e-14, "reported loglik is the unpenalised LL");
	}
	opt.penalizer = -1.0;
	ut_ok(crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res) == CRM_EPARAM, "negative penalizer rejected");
	opt.penalizer = INFINITY;
	ut_ok(crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res) == CRM_EPARAM, "infinite penalizer rejected");
	ut_end();
}

static void
nonfinite_regions(void)
{
	CrmFitOptions opt;
	CrmFitResult res;
	CrmStatus	st;

	ut_begin("optim: non-finite likelihood region is avoided");
	crm_fit_options_default(&opt);
	opt.has_start = true;
	opt.start[0] = 1e-3;
	opt.start[1] = 1e3;
	toy_bad_above = 1.3 * toy_mean;
	st = crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res);
	ut_ok(st == CRM_OK && res.converged, "status %s converged %d (%s, %s)",
		  crm_status_message(st), res.converged, res.method, res.message);
	ut_close(res.par[0], toy_mean, 1e-9, "m");
	ut_close(res.par[1], toy_var, 1e-9, "v");
	printf("# non-finite region: method %s, %d evaluations\n", res.method, res.iterations);

	/* not finite at the start: no result */
	opt.start[0] = 2.0 * toy_mean;
	st = crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res);
	ut_ok(st == CRM_ENOCONV, "not finite at the start -> CRM_ENOCONV (%s)", crm_status_message(st));
	toy_bad_above = HUGE_VAL;
	ut_end();
}

static void
edges_and_budget(void)
{
	CrmFitOptions opt;
	CrmFitResult res;
	CrmStatus	st;
	CrmObs		same[3];
	int			i;

	ut_begin("optim: unidentified data run to the edge and are not converged");
	for (i = 0; i < 3; i++)
	{
		same[i].x = 2.0;
		same[i].tx = same[i].T = 0.0;
		same[i].w = 1.0;
	}
	crm_fit_options_default(&opt);
	st = crm_fit(&toy_spec, same, 3, &opt, &res);
	ut_ok(st == CRM_OK, "status %s", crm_status_message(st));
	ut_ok(!res.converged, "not converged (%s)", res.message);
	ut_ok(res.message != NULL && strstr(res.message, "edge") != NULL, "message names the edge: %s",
		  res.message);
	ut_close(res.par[0], 2.0, 1e-6, "m still right");
	ut_end();

	ut_begin("optim: evaluation budget");
	crm_fit_options_default(&opt);
	opt.max_evals = 3;
	opt.has_start = true;
	opt.start[0] = 1e-3;
	opt.start[1] = 1e3;
	st = crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res);
	ut_ok(st == CRM_OK && !res.converged, "status %s converged %d", crm_status_message(st),
		  res.converged);
	ut_ok(res.iterations <= 3, "at most 3 evaluations (%d)", res.iterations);
	ut_ok(strstr(res.message, "limit") != NULL, "message: %s", res.message);
	ut_end();

	ut_begin("optim: empty data and zero weights");
	crm_fit_options_default(&opt);
	ut_ok(crm_fit(&toy_spec, toy_obs, 0, &opt, &res) == CRM_EEMPTY, "n = 0");
	same[0].w = 0.0;
	ut_ok(crm_fit(&toy_spec, same, 3, &opt, &res) == CRM_EDOMAIN, "weight 0 rejected");
	same[0].w = NAN;
	ut_ok(crm_fit(&toy_spec, same, 3, &opt, &res) == CRM_EDOMAIN, "weight NaN rejected");
	ut_end();
}

static int	interrupt_after = 0;
static int	interrupt_polls = 0;

static bool
test_interrupt_hook(void)
{
	return ++interrupt_polls > interrupt_after;
}

static void
cancellation(void)
{
	CrmFitOptions opt;
	CrmFitResult res;
	CrmStatus	st;

	ut_begin("optim: cancellation stops the fit with CRM_EINTERRUPTED");
	crm_fit_options_default(&opt);
	interrupt_after = 5;
	interrupt_polls = 0;
	crm_set_interrupt_hook(test_interrupt_hook);
	st = crm_fit(&toy_spec, toy_obs, NTOY, &opt, &res);
	crm_set_interrupt_hook(NULL);
	ut_ok(st == CRM_EINTERRUPTED, "status %s", crm_status_message(st));
	ut_ok(res.iterations <= 6, "stopped promptly (%d evaluations)", res.iterations);
	ut_end();
}

static void
determinism(void)
{
	CrmFitOptions opt;
	CrmFitResult r1,
				r2;

	ut_begin("optim: deterministic (same data -> same bits)");
	crm_fit_options_default(&opt);
	crm_fit(&toy4_spec, toy_obs, NTOY, &opt, &r1);
	crm_fit(&toy4_spec, toy_obs, NTOY, &opt, &r2);
	ut_ok(memcmp(r1.par, r2.par, sizeof(r1.par)) == 0, "parameters identical");
	ut_ok(memcmp(&r1.loglik, &r2.loglik, sizeof(double)) == 0, "loglik identical");
	ut_ok(r1.iterations == r2.iterations, "iterations identical");
	ut_end();
}

/*
 * Large inputs (>= 50k distinct rows) are fitted on a subsample first and
 * refined on all rows (optim.c).  On 60k and 250k simulated BG/NBD customers with
 * unrounded recency and age, that path must reach the MLE of the full
 * search (forced here with an explicit start, which skips the shortcut)
 * to rounding level, with far fewer evaluations on all rows.
 */
static void
subsample_refine(int64_t ncust)
{
	CrmAccum	acc;
	CrmRng		g;
	CrmObs	   *obs = NULL;
	size_t		n = 0;
	double		total;
	CrmFitOptions opt;
	CrmFitResult r1,
				r2;
	double		maxrel = 0.0;
	int			i;
	int64_t		c;

	ut_begin(ncust < 100000
			 ? "optim: subsample start + refinement on 60k distinct customers equals the full search"
			 : "optim: subsample start + refinement on 250k distinct customers equals the full search");
	crm_accum_init(&acc, CRM_MODEL_BGNBD, 0.0, false, NULL);
	crm_rng_seed(&g, 20240601, 1, 2);
	for (c = 0; c < ncust; c++)
	{
		double		T = 1.0 + 77.0 * crm_rng_uniform(&g);
		double		lambda = crm_rng_gamma(&g, 0.25, 4.0);
		double		p = crm_rng_beta(&g, 0.8, 2.5);
		double		t = 0.0,
					tx = 0.0;
		double		x = 0.0;

		for (;;)
		{
			t += -log(1.0 - crm_rng_uniform(&g)) / lambda;
			if (t > T)
				break;
			x += 1.0;
			tx = t;
			if (crm_rng_uniform(&g) < p)
				break;
		}
		crm_accum_add(&acc, x, tx, T, 1.0);
	}
	ut_ok(crm_accum_sorted(&acc, &obs, &n, &total) == CRM_OK && (int64_t) n > ncust * 4 / 5,
		  "%zu distinct patterns", n);
	crm_accum_free(&acc);
	crm_fit_options_default(&opt);
	ut_ok(crm_fit(&crm_bgnbd_spec, obs, n, &opt, &r1) == CRM_OK && r1.converged,
		  "shortcut converged (%s)", r1.message);
	opt.has_start = true;
	crm_bgnbd_spec.start(obs, n, opt.start);
	ut_ok(crm_fit(&crm_bgnbd_spec, obs, n, &opt, &r2) == CRM_OK && r2.converged,
		  "full search converged (%s)", r2.message);
	for (i = 0; i < 4; i++)
		if (fabs(r1.par[i] / r2.par[i] - 1.0) > maxrel)
			maxrel = fabs(r1.par[i] / r2.par[i] - 1.0);
	printf("# subsample+refine: %d evaluations (most on the subsample), full search %d; "
		   "max param rel diff %.2e, LL %.10f vs %.10f\n",
		   r1.iterations, r2.iterations, maxrel, r1.loglik, r2.loglik);
	ut_ok(maxrel < 1e-8, "parameters agree (max rel diff %.2e)", maxrel);
	ut_close(r1.loglik, r2.loglik, 1e-12, "log-likelihood agrees");
	crm_free_huge(obs);
	ut_end();
}

void
test_optim(void)
{
	make_toy_data();
	exact_mle();
	start_values();
	penalizer();
	nonfinite_regions();
	edges_and_budget();
	cancellation();
	determinism();
	subsample_refine(60000);
	subsample_refine(250000);
}
