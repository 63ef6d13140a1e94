/*
 * optim.c
 *		Maximum-likelihood fitting of any CrmModelSpec with NLopt (Debian's
 *		libnlopt): L-BFGS on log-parameters, a derivative-free fallback
 *		(Sbplx) where the likelihood is not finite, and a final Newton polish
 *		with a finite-difference Hessian of the analytic gradient.  See
 *		optim.h for the contract.
 *
 * Objective (minimised): f(θ) = −(LL(p)/N − λ Σ p_i²), p = exp(θ), N = Σ w,
 * λ = the penalizer.  This is the L2 penalty lifetimes uses (its
 * penalizer_coef), so a fit with a penalizer matches lifetimes' penalised
 * fit.  ∂f/∂θ_i = −(∂LL/∂p_i / N − 2λ p_i) p_i.
 *
 * Stopping: L-BFGS with ftol_rel 1e-13 and xtol_rel 1e-10, then up to
 * NEWTON_MAX_STEPS Newton steps that are kept only while they lower both f
 * and the gradient norm.  The fit is reported converged when the final
 * gradient (in θ, per unit of weight) has max-norm <= CRM_FIT_GTOL, no
 * parameter sits at the edge of the search box, and the evaluation budget
 * was not exhausted.
 *
 * Large inputs (SUB_MIN_ROWS or more distinct rows, no start vector) are
 * first fitted on a stratified subsample, then refined on all rows with
 * Newton steps on the subsample's Hessian (BFGS-updated); see the comment
 * above refine_fixed_hessian().
 *
 * NLopt keeps malloc'd memory, so the callbacks never longjmp: on
 * crm_interrupted() they call nlopt_force_stop() and crm_fit() returns
 * CRM_EINTERRUPTED after nlopt_destroy().  Everything is deterministic: no
 * random restarts, the same data (sorted by the caller) give the same bits.
 */
#include <math.h>
#include <string.h>

#include <nlopt.h>

#include "optim.h"

/* search box in θ = ln p: p in [e^-40, e^40] ~ [4e-18, 2e17] */
#define THETA_BOUND 40.0
#define THETA_EDGE 39.9
#define DEFAULT_MAX_EVALS 3000
#define CRM_FIT_GTOL 1e-6
/* smallest/largest Hessian eigenvalue below this: parameters not identified */
#define CRM_FIT_MIN_COND 1e-8
#define NEWTON_MAX_STEPS 6
#define MAX_ROUNDS 24
/* each NLopt run searches θ within ±BOX_HALF of its start (a factor e^8 ~ 3000) */
#define BOX_HALF 8.0

typedef struct FitCtx
{
	const CrmModelSpec *spec;
	const CrmObs *obs;
	size_t		n;
	int			np;
	double		N;				/* Σ w */
	double		lambda;			/* penalizer */
	int			evals;
	int			max_evals;
	int			newton_steps;	/* most Newton steps of the polish */
	bool		budget_hit;
	CrmStatus	fatal;			/* CRM_EINTERRUPTED, CRM_ENOMEM, ... : stop everything */
	bool		bad_point;		/* likelihood not finite at some trial point */
	bool		stop_on_bad;	/* force_stop at a bad point (gradient phase) */
	nlopt_opt	cur;			/* the running optimizer, for force_stop */
	bool		track;			/* note_point updates the best point */
	bool		have_best;
	double		best_f;
	double		best_ll;
	double		best_theta[CRM_MAX_PARAMS];
} FitCtx;

/* Defaults: no penalty, the model's start, the default budget. */
void
crm_fit_options_default(CrmFitOptions *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->penalizer = 0.0;
	opt->has_start = false;
	opt->max_evals = 0;
}

/* Status that must stop the whole fit (not a mere non-finite trial point). */
static bool
is_fatal(CrmStatus st)
{
	return st == CRM_EINTERRUPTED || st == CRM_ENOMEM || st == CRM_EINTERNAL ||
		st == CRM_EUNSUP;
}

/*
 * f and (if gtheta != NULL) ∇_θ f at θ.  CRM_OK with finite values, or the
 * loglik callback's status, or CRM_ERANGE when anything is not finite.
 * *ll receives the unpenalised log-likelihood.
 */
static CrmStatus
eval_at(FitCtx *c, const double *theta, double *f, double *gtheta, double *ll)
{
	double		par[CRM_MAX_PARAMS];
	double		g[CRM_MAX_PARAMS];
	double		pen = 0.0;
	double		v;
	int			i;
	CrmStatus	st;

	for (i = 0; i < c->np; i++)
	{
		par[i] = exp(theta[i]);
		if (!crm_isfinite(par[i]) || par[i] <= 0)
			return CRM_ERANGE;
		pen += par[i] * par[i];
	}
	st = c->spec->loglik(par, c->obs, c->n, ll, gtheta != NULL ? g : NULL);
	if (st != CRM_OK)
		return st;
	if (!crm_isfinite(*ll))
		return CRM_ERANGE;
	v = -(*ll / c->N - c->lambda * pen);
	if (!crm_isfinite(v))
		return CRM_ERANGE;
	*f = v;
	if (gtheta != NULL)
		for (i = 0; i < c->np; i++)
		{
			gtheta[i] = -(g[i] / c->N - 2.0 * c->lambda * par[i]) * par[i];
			if (!crm_isfinite(gtheta[i]))
				return CRM_ERANGE;
		}
	return CRM_OK;
}

/* Remember θ when it is the best point so far. */
static void
note_point(FitCtx *c, const double *theta, double f, double ll)
{
	if (c->track && (!c->have_best || f < c->best_f))
	{
		c->have_best = true;
		c->best_f = f;
		c->best_ll = ll;
		memcpy(c->best_theta, theta, sizeof(double) * c->np);
	}
}

/*
 * Counted evaluation used by the callbacks and the polish.  Sets c->fatal
 * or c->bad_point; returns the status of eval_at.
 */
static CrmStatus
counted_eval(FitCtx *c, const double *theta, double *f, double *gtheta)
{
	double		ll = 0.0;
	CrmStatus	st;

	if (crm_interrupted())
	{
		c->fatal = CRM_EINTERRUPTED;
		return CRM_EINTERRUPTED;
	}
	if (c->evals >= c->max_evals)
	{
		c->budget_hit = true;
		return CRM_ENOCONV;
	}
	c->evals++;
	st = eval_at(c, theta, f, gtheta, &ll);
	if (st == CRM_OK)
		note_point(c, theta, *f, ll);
	else if (is_fatal(st))
		c->fatal = st;
	else
		c->bad_point = true;
	return st;
}

/* NLopt objective: f(θ), and ∇f when NLopt asks for it. */
static double
objective(unsigned n, const double *x, double *grad, void *data)
{
	FitCtx	   *c = (FitCtx *) data;
	double		f = 0.0;
	unsigned	i;
	CrmStatus	st = counted_eval(c, x, &f, grad);

	if (st == CRM_OK)
		return f;
	if (grad != NULL)
		for (i = 0; i < n; i++)
			grad[i] = 0.0;
	if (c->fatal != CRM_OK || c->budget_hit || c->stop_on_bad)
		nlopt_force_stop(c->cur);
	return HUGE_VAL;
}

/*
 * Run one NLopt algorithm from c->best_theta, within the box of half-width
 * BOX_HALF around it (clipped to the global bounds).  The box keeps a wild
 * first L-BFGS step (huge gradients far from the optimum) from throwing the
 * search to the edge of the range, where the gradient in θ vanishes; when
 * the best point ends on an inner face of the box, *on_face is set and the
 * caller re-centres.  Returns the NLopt result; the best point is tracked by
 * the callback.
 */
static nlopt_result
run_nlopt(FitCtx *c, nlopt_algorithm alg, bool stop_on_bad, bool *on_face)
{
	nlopt_opt	opt;
	double		x[CRM_MAX_PARAMS];
	double		lb[CRM_MAX_PARAMS];
	double		ub[CRM_MAX_PARAMS];
	double		step[CRM_MAX_PARAMS];
	double		minf = 0.0;
	nlopt_result r;
	int			i;

	opt = nlopt_create(alg, (unsigned) c->np);
	if (opt == NULL)
	{
		c->fatal = CRM_ENOMEM;
		return NLOPT_OUT_OF_MEMORY;
	}
	for (i = 0; i < c->np; i++)
	{
		x[i] = c->best_theta[i];
		lb[i] = x[i] - BOX_HALF > -THETA_BOUND ? x[i] - BOX_HALF : -THETA_BOUND;
		ub[i] = x[i] + BOX_HALF < THETA_BOUND ? x[i] + BOX_HALF : THETA_BOUND;
		step[i] = 0.1;
	}
	c->cur = opt;
	c->stop_on_bad = stop_on_bad;
	nlopt_set_min_objective(opt, objective, c);
	nlopt_set_lower_bounds(opt, lb);
	nlopt_set_upper_bounds(opt, ub);
	if (alg == NLOPT_LD_LBFGS)
	{
		nlopt_set_ftol_rel(opt, 1e-13);
		nlopt_set_xtol_rel(opt, 1e-10);
	}
	else
	{
		nlopt_set_ftol_rel(opt, 1e-12);
		nlopt_set_xtol_abs1(opt, 1e-9);
		nlopt_set_initial_step(opt, step);
	}
	/* our own counter enforces the budget; this is a backstop */
	nlopt_set_maxeval(opt, c->max_evals - c->evals + 1);
	r = nlopt_optimize(opt, x, &minf);
	nlopt_destroy(opt);
	c->cur = NULL;
	*on_face = false;
	for (i = 0; i < c->np; i++)
		if ((lb[i] > -THETA_BOUND && c->best_theta[i] <= lb[i] + 1e-6) ||
			(ub[i] < THETA_BOUND && c->best_theta[i] >= ub[i] - 1e-6))
			*on_face = true;
	return r;
}

/* max |g_i| */
static double
norm_inf(const double *g, int n)
{
	double		m = 0.0;
	int			i;

	for (i = 0; i < n; i++)
		if (fabs(g[i]) > m)
			m = fabs(g[i]);
	return m;
}

/*
 * Solve H d = −g for a symmetric positive-definite H (n <= 4) by Cholesky.
 * false when H is not positive definite.
 */
static bool
solve_spd(int n, double H[CRM_MAX_PARAMS][CRM_MAX_PARAMS], const double *g, double *d)
{
	double		L[CRM_MAX_PARAMS][CRM_MAX_PARAMS];
	double		y[CRM_MAX_PARAMS];
	int			i,
				j,
				k;

	memset(L, 0, sizeof(L));
	for (j = 0; j < n; j++)
	{
		double		s = H[j][j];

		for (k = 0; k < j; k++)
			s -= L[j][k] * L[j][k];
		if (!(s > 0) || !crm_isfinite(s))
			return false;
		L[j][j] = sqrt(s);
		for (i = j + 1; i < n; i++)
		{
			double		t = H[i][j];

			for (k = 0; k < j; k++)
				t -= L[i][k] * L[j][k];
			L[i][j] = t / L[j][j];
		}
	}
	for (i = 0; i < n; i++)
	{
		double		s = -g[i];

		for (k = 0; k < i; k++)
			s -= L[i][k] * y[k];
		y[i] = s / L[i][i];
	}
	for (i = n - 1; i >= 0; i--)
	{
		double		s = y[i];

		for (k = i + 1; k < n; k++)
			s -= L[k][i] * d[k];
		d[i] = s / L[i][i];
	}
	for (i = 0; i < n; i++)
		if (!crm_isfinite(d[i]))
			return false;
	return true;
}

/*
 * Hessian of f at θ by central differences of the analytic gradient,
 * symmetrised; by forward differences from g0 = the gradient at θ when g0
 * is not NULL (np evaluations instead of 2 np, error O(h) instead of
 * O(h^2): enough to precondition Newton steps).  false when a point was not
 * finite (or fatal).
 */
static bool
fd_hessian(FitCtx *c, const double *theta, double H[CRM_MAX_PARAMS][CRM_MAX_PARAMS],
		   const double *g0)
{
	double		t2[CRM_MAX_PARAMS];
	double		gp[CRM_MAX_PARAMS];
	double		gm[CRM_MAX_PARAMS];
	double		fp;
	int			np = c->np;
	int			i,
				j;

	for (j = 0; j < np; j++)
	{
		double		h = 1e-5 * (fabs(theta[j]) > 1 ? fabs(theta[j]) : 1.0);

		memcpy(t2, theta, sizeof(double) * np);
		t2[j] = theta[j] + h;
		if (counted_eval(c, t2, &fp, gp) != CRM_OK)
			return false;
		if (g0 != NULL)
		{
			for (i = 0; i < np; i++)
				H[i][j] = (gp[i] - g0[i]) / h;
			continue;
		}
		t2[j] = theta[j] - h;
		if (counted_eval(c, t2, &fp, gm) != CRM_OK)
			return false;
		for (i = 0; i < np; i++)
			H[i][j] = (gp[i] - gm[i]) / (2.0 * h);
	}
	for (i = 0; i < np; i++)
		for (j = 0; j < i; j++)
			H[i][j] = H[j][i] = 0.5 * (H[i][j] + H[j][i]);
	return true;
}

/*
 * How well the optimum is determined: the smallest eigenvalue of the
 * Hessian relative to the largest (Jacobi rotations; n <= 4).  0 when H is
 * not positive definite.  A tiny value means a flat direction: the data
 * do not identify the parameters (the supremum lies at infinity along a
 * ridge, or on the boundary), even though the gradient is small.
 */
static double
hessian_conditioning(int n, double H[CRM_MAX_PARAMS][CRM_MAX_PARAMS])
{
	double		A[CRM_MAX_PARAMS][CRM_MAX_PARAMS];
	double		lo,
				hi;
	int			sweep,
				p,
				q,
				k;

	memcpy(A, H, sizeof(A));
	for (sweep = 0; sweep < 50; sweep++)
	{
		double		off = 0.0;

		for (p = 0; p < n; p++)
			for (q = p + 1; q < n; q++)
				off += A[p][q] * A[p][q];
		if (off < 1e-300)
			break;
		for (p = 0; p < n; p++)
			for (q = p + 1; q < n; q++)
			{
				double		theta_r,
							t,
							cs,
							sn;

				if (A[p][q] == 0.0)
					continue;
				theta_r = (A[q][q] - A[p][p]) / (2.0 * A[p][q]);
				t = (theta_r >= 0 ? 1.0 : -1.0) / (fabs(theta_r) + sqrt(theta_r * theta_r + 1.0));
				cs = 1.0 / sqrt(t * t + 1.0);
				sn = t * cs;
				for (k = 0; k < n; k++)
				{
					double		akp = A[k][p],
								akq = A[k][q];

					A[k][p] = cs * akp - sn * akq;
					A[k][q] = sn * akp + cs * akq;
				}
				for (k = 0; k < n; k++)
				{
					double		apk = A[p][k],
								aqk = A[q][k];

					A[p][k] = cs * apk - sn * aqk;
					A[q][k] = sn * apk + cs * aqk;
				}
			}
	}
	lo = hi = A[0][0];
	for (k = 1; k < n; k++)
	{
		if (A[k][k] < lo)
			lo = A[k][k];
		if (A[k][k] > hi)
			hi = A[k][k];
	}
	if (!(lo > 0) || !(hi > 0) || !crm_isfinite(lo) || !crm_isfinite(hi))
		return 0.0;
	return lo / hi;
}

/*
 * Newton polish from the best point: Hessian by central differences of the
 * analytic gradient, steps kept only while both f and |g| decrease.  On
 * return *gnorm is the gradient norm at the (possibly improved) best point.
 * *cond receives hessian_conditioning() at the final point, and Hout that
 * Hessian (when *cond > 0).  Returns the
 * number of accepted steps, or -1 after a fatal status.
 */
static int
newton_polish(FitCtx *c, double *gnorm, double *cond,
			  double Hout[CRM_MAX_PARAMS][CRM_MAX_PARAMS])
{
	double		theta[CRM_MAX_PARAMS];
	double		g[CRM_MAX_PARAMS];
	double		f;
	int			accepted = 0;
	int			it;
	int			np = c->np;

	memcpy(theta, c->best_theta, sizeof(double) * np);
	c->track = false;			/* finite-difference points must not become the answer */
	if (counted_eval(c, theta, &f, g) != CRM_OK)
	{
		*gnorm = HUGE_VAL;
		return c->fatal != CRM_OK ? -1 : 0;
	}
	*gnorm = norm_inf(g, np);
	for (it = 0; it < c->newton_steps && *gnorm > 1e-14; it++)
	{
		double		H[CRM_MAX_PARAMS][CRM_MAX_PARAMS];
		double		d[CRM_MAX_PARAMS];
		double		t2[CRM_MAX_PARAMS];
		double		fn;
		double		gn[CRM_MAX_PARAMS];
		int			i;
		bool		ok = true;

		ok = fd_hessian(c, theta, H, NULL);
		if (c->fatal != CRM_OK)
			return -1;
		if (!ok)
			break;
		if (!solve_spd(np, H, g, d))
			break;
		for (i = 0; i < np; i++)
		{
			t2[i] = theta[i] + d[i];
			if (t2[i] < -THETA_BOUND || t2[i] > THETA_BOUND)
				ok = false;
		}
		if (!ok)
			break;
		if (counted_eval(c, t2, &fn, gn) != CRM_OK)
		{
			if (c->fatal != CRM_OK)
				return -1;
			break;
		}
		/*
		 * Keep the step only if it lowers |g| and does not raise f beyond
		 * rounding noise (near the optimum f changes by ~|g|^2, far below
		 * the rounding of a sum over many customers, so f cannot decide).
		 */
		if (!(fn <= f + 1e-12 * (1.0 + fabs(f))) || !(norm_inf(gn, np) < *gnorm))
			break;
		memcpy(theta, t2, sizeof(double) * np);
		memcpy(g, gn, sizeof(double) * np);
		f = fn;
		*gnorm = norm_inf(g, np);
		accepted++;
	}
	/* the polished point is the answer even if f moved only by rounding */
	if (accepted > 0)
	{
		double		ll = 0.0;
		double		fx;

		if (eval_at(c, theta, &fx, NULL, &ll) == CRM_OK)
		{
			c->best_f = fx;
			c->best_ll = ll;
			memcpy(c->best_theta, theta, sizeof(double) * np);
		}
	}
	/* conditioning of the Hessian at the answer */
	{
		double		H[CRM_MAX_PARAMS][CRM_MAX_PARAMS];

		/*
		 * Without polish (a subsample's fit, c->newton_steps = 0) θ is the
		 * answer and g its gradient: forward differences from it suffice.
		 */
		*cond = fd_hessian(c, c->best_theta, H, c->newton_steps == 0 ? g : NULL)
			? hessian_conditioning(np, H) : 0.0;
		if (c->fatal != CRM_OK)
			return -1;
		memcpy(Hout, H, sizeof(H));
	}
	return accepted;
}

/* Pick the static method name. */
static const char *
method_name(bool sbplx, bool newton)
{
	if (sbplx)
		return newton ? "lbfgs+sbplx+newton" : "lbfgs+sbplx";
	return newton ? "lbfgs+newton" : "lbfgs";
}

/*
 * *N = Σ w over obs[0..n), compensated, in the caller's (sorted) order;
 * CRM_EDOMAIN when a weight is not finite and positive.
 */
static CrmStatus
total_weight(const CrmObs *obs, size_t n, double *N)
{
	double		s = 0.0,
				comp = 0.0;
	size_t		k;

	for (k = 0; k < n; k++)
	{
		if (!crm_isfinite(obs[k].w) || obs[k].w <= 0)
			return CRM_EDOMAIN;
		crm_neumaier_add(&s, &comp, obs[k].w);
	}
	*N = s + comp;
	return CRM_OK;
}

/*
 * The whole search on obs[0..n): L-BFGS (with Sbplx where needed), Newton
 * polish of at most newton_steps steps, convergence checks.  Hout receives
 * the Hessian of f at the answer when res->hessian_cond > 0.
 */
static CrmStatus
fit_full(const CrmModelSpec *spec, const CrmObs *obs, size_t n,
		 const CrmFitOptions *opt, CrmFitResult *res,
		 double Hout[CRM_MAX_PARAMS][CRM_MAX_PARAMS], int newton_steps)
{
	FitCtx		c;
	double		par0[CRM_MAX_PARAMS];
	double		theta0[CRM_MAX_PARAMS];
	double		f0 = 0.0;
	double		N;
	double		gnorm = HUGE_VAL;
	double		cond = 0.0;
	bool		used_sbplx = false;
	bool		at_edge = false;
	int			polished;
	int			round;
	int			i;
	CrmStatus	st;

	memset(res, 0, sizeof(*res));
	res->method = "none";
	res->message = "not run";
	if (spec == NULL || spec->loglik == NULL || spec->nparams < 1 ||
		spec->nparams > CRM_MAX_PARAMS)
		return CRM_EUNSUP;
	if (n == 0)
		return CRM_EEMPTY;
	if (!crm_isfinite(opt->penalizer) || opt->penalizer < 0)
		return CRM_EPARAM;

	if (total_weight(obs, n, &N) != CRM_OK)
		return CRM_EDOMAIN;
	memset(&c, 0, sizeof(c));
	c.spec = spec;
	c.obs = obs;
	c.n = n;
	c.np = spec->nparams;
	c.N = N;
	c.lambda = opt->penalizer;
	c.max_evals = opt->max_evals > 0 ? opt->max_evals : DEFAULT_MAX_EVALS;
	c.newton_steps = newton_steps;
	c.fatal = CRM_OK;
	c.track = true;
	if (!crm_isfinite(c.N) || c.N <= 0)
		return CRM_EEMPTY;

	/* starting point */
	if (opt->has_start)
	{
		for (i = 0; i < c.np; i++)
		{
			if (!crm_isfinite(opt->start[i]) || opt->start[i] <= 0)
				return CRM_EPARAM;
			par0[i] = opt->start[i];
		}
	}
	else
	{
		spec->start(obs, n, par0);
		for (i = 0; i < c.np; i++)
			if (!crm_isfinite(par0[i]) || par0[i] <= 0)
				par0[i] = 1.0;
	}
	for (i = 0; i < c.np; i++)
	{
		theta0[i] = log(par0[i]);
		if (theta0[i] < -THETA_BOUND)
			theta0[i] = -THETA_BOUND;
		if (theta0[i] > THETA_BOUND)
			theta0[i] = THETA_BOUND;
	}
	st = counted_eval(&c, theta0, &f0, NULL);
	if (st != CRM_OK)
	{
		res->iterations = c.evals;
		res->message = "the likelihood is not finite at the starting point";
		return is_fatal(st) ? st : CRM_ENOCONV;
	}

	/*
	 * L-BFGS; when it meets a point where the likelihood is not finite, Sbplx
	 * from the best point seen, then L-BFGS again from Sbplx's answer.
	 */
	for (round = 0; round < MAX_ROUNDS; round++)
	{
		bool		on_face = false;

		c.bad_point = false;
		(void) run_nlopt(&c, NLOPT_LD_LBFGS, true, &on_face);
		if (c.fatal != CRM_OK || c.budget_hit)
			break;
		if (c.bad_point)
		{
			used_sbplx = true;
			c.bad_point = false;
			(void) run_nlopt(&c, NLOPT_LN_SBPLX, false, &on_face);
			if (c.fatal != CRM_OK || c.budget_hit)
				break;
			continue;			/* L-BFGS again from Sbplx's answer */
		}
		if (!on_face)
			break;
	}
	if (c.fatal != CRM_OK)
	{
		res->iterations = c.evals;
		res->message = crm_status_message(c.fatal);
		return c.fatal;
	}

	/* Newton polish and the final gradient check */
	if (!c.budget_hit)
	{
		c.max_evals += (NEWTON_MAX_STEPS + 2) * (2 * c.np + 2);	/* the polish's own budget */
		polished = newton_polish(&c, &gnorm, &cond, Hout);
		if (polished < 0)
		{
			res->iterations = c.evals;
			res->message = crm_status_message(c.fatal);
			return c.fatal;
		}
	}
	else
		polished = 0;

	for (i = 0; i < c.np; i++)
	{
		res->par[i] = exp(c.best_theta[i]);
		if (fabs(c.best_theta[i]) >= THETA_EDGE)
			at_edge = true;
	}
	res->loglik = c.best_ll;
	res->n_customers = c.N;
	res->iterations = c.evals;
	res->method = method_name(used_sbplx, polished > 0);
	res->hessian_cond = cond;
	if (c.budget_hit)
	{
		res->converged = false;
		res->message = "the evaluation limit was reached";
	}
	else if (at_edge)
	{
		res->converged = false;
		res->message = "a parameter ran to the edge of the search range (1e-17 to 1e17)";
	}
	else if (!(gnorm <= CRM_FIT_GTOL))
	{
		res->converged = false;
		res->message = "the gradient is not small at the best point found";
	}
	else if (!(cond >= CRM_FIT_MIN_COND))
	{
		res->converged = false;
		res->message = "the likelihood is flat in some direction at the optimum: the data do not identify all parameters";
	}
	else
	{
		res->converged = true;
		res->message = "converged";
	}
	return CRM_OK;
}

/*
 * Large inputs: first fit a deterministic subsample, then refine on all the
 * data.  Every likelihood evaluation on n rows costs O(n), and the search
 * from a generic start takes 30-50 of them; the optimum of a subsample of
 * a few ten thousand rows is already close to the full optimum (within a
 * few standard errors), and so is its Hessian (per unit of weight).  From
 * there, Newton steps with the subsample's Hessian converge linearly with a
 * rate of about the Hessians' relative difference (a few percent), one
 * evaluation per step.  The steps stop when the next Newton step would move
 * no parameter by more than REFINE_XTOL (relative: θ = ln p), the same
 * parameter tolerance as the full search's L-BFGS (xtol_rel 1e-10), or at
 * the rounding floor of the gradient: 3-5 evaluations on all rows.  The
 * steps obey the same acceptance rule as newton_polish (f must not rise
 * beyond rounding, |g| must fall); if they do not reach CRM_FIT_GTOL, the
 * full search runs from the best point found, so the answer never depends
 * on the shortcut.
 *
 * The subsample (sub_sample) takes each row with probability 1/k (k = n /
 * SUB_TARGET), systematically over the sorted data, so it is stratified
 * over (x, tx, T), deterministic, and independent of row order and
 * parallelism (the data arrive sorted), and every row keeps its own weight.
 */
/*
 * from this many distinct rows: the shortcut costs ~25 evaluations on
 * SUB_TARGET rows plus ~6 on all rows, the full search 35-60 on all rows
 */
#define SUB_MIN_ROWS 50000
#define SUB_TARGET 10000
#define REFINE_MAX_STEPS 25
/* |g| (per unit weight, in θ) treated as the rounding floor of a large sum */
#define REFINE_FLOOR 1e-14
/* a Newton step smaller than this in every θ = ln p: converged */
#define REFINE_XTOL 1e-10

/*
 * Newton steps with a fixed Hessian H from θ0 on the full data.  CRM_OK
 * with res filled (converged when |g| <= CRM_FIT_GTOL), a fatal status, or
 * CRM_ENOCONV when not even θ0 gave a finite likelihood.
 */
static CrmStatus
refine_fixed_hessian(const CrmModelSpec *spec, const CrmObs *obs, size_t n,
					 const CrmFitOptions *opt, const double *theta0,
					 double H[CRM_MAX_PARAMS][CRM_MAX_PARAMS], CrmFitResult *res)
{
	FitCtx		c;
	double		theta[CRM_MAX_PARAMS];
	double		g[CRM_MAX_PARAMS];
	double		W[CRM_MAX_PARAMS][CRM_MAX_PARAMS];	/* working Hessian */
	double		f,
				ll,
				gnorm;
	double		N;
	int			np = spec->nparams;
	int			it,
				i;
	bool		at_edge = false;
	CrmStatus	st;

	if (total_weight(obs, n, &N) != CRM_OK)
		return CRM_ENOCONV;		/* (rows come checked: cannot happen) */
	memset(&c, 0, sizeof(c));
	c.spec = spec;
	c.obs = obs;
	c.n = n;
	c.np = np;
	c.N = N;
	c.lambda = opt->penalizer;
	c.max_evals = REFINE_MAX_STEPS + 1;
	c.fatal = CRM_OK;
	c.track = false;
	memcpy(theta, theta0, sizeof(double) * np);
	memcpy(W, H, sizeof(W));
	if (crm_interrupted())
		return CRM_EINTERRUPTED;
	c.evals++;
	st = eval_at(&c, theta, &f, g, &ll);
	if (st != CRM_OK)
		return is_fatal(st) ? st : CRM_ENOCONV;
	gnorm = norm_inf(g, np);
	for (it = 0; it < REFINE_MAX_STEPS && gnorm > REFINE_FLOOR; it++)
	{
		double		d[CRM_MAX_PARAMS];
		double		t2[CRM_MAX_PARAMS];
		double		gn[CRM_MAX_PARAMS];
		double		fn,
					lln;
		bool		ok = true;

		if (!solve_spd(np, W, g, d))
			break;
		if (norm_inf(d, np) <= REFINE_XTOL)
			break;				/* θ is within the tolerance of the optimum */
		for (i = 0; i < np; i++)
		{
			t2[i] = theta[i] + d[i];
			if (t2[i] < -THETA_BOUND || t2[i] > THETA_BOUND)
				ok = false;
		}
		if (!ok)
			break;
		if (crm_interrupted())
			return CRM_EINTERRUPTED;
		c.evals++;
		st = eval_at(&c, t2, &fn, gn, &lln);
		if (st != CRM_OK)
		{
			if (is_fatal(st))
				return st;
			break;
		}
		if (!(fn <= f + 1e-12 * (1.0 + fabs(f))) || !(norm_inf(gn, np) < gnorm))
			break;
		/*
		 * BFGS update of the working Hessian with the step just taken
		 * (curvature pair s = Δθ, y = Δg of all rows), which turns the
		 * linear convergence of the fixed subsample Hessian into a
		 * superlinear one.  Skipped near the rounding floor, where y is
		 * noise, and when y's curvature along s is not positive.
		 */
		if (norm_inf(gn, np) > 1e3 * REFINE_FLOOR)
		{
			double		sv[CRM_MAX_PARAMS],
						yv[CRM_MAX_PARAMS],
						Hs[CRM_MAX_PARAMS];
			double		ys = 0.0,
						sHs = 0.0;
			int			j;

			for (i = 0; i < np; i++)
			{
				sv[i] = t2[i] - theta[i];
				yv[i] = gn[i] - g[i];
				ys += yv[i] * sv[i];
			}
			for (i = 0; i < np; i++)
			{
				Hs[i] = 0.0;
				for (j = 0; j < np; j++)
					Hs[i] += W[i][j] * sv[j];
				sHs += sv[i] * Hs[i];
			}
			if (ys > 0.0 && sHs > 0.0 && crm_isfinite(ys) && crm_isfinite(sHs))
				for (i = 0; i < np; i++)
					for (j = 0; j < np; j++)
						W[i][j] += yv[i] * yv[j] / ys - Hs[i] * Hs[j] / sHs;
		}
		memcpy(theta, t2, sizeof(double) * np);
		memcpy(g, gn, sizeof(double) * np);
		f = fn;
		ll = lln;
		/*
		 * At the rounding floor the steps only shuffle the last bits (|g|
		 * then falls by less than a factor 4 instead of ~100): stop there
		 * rather than spend evaluations until |g| happens to rise.
		 */
		if (norm_inf(g, np) <= REFINE_FLOOR ||
			(norm_inf(g, np) > 0.25 * gnorm && norm_inf(g, np) <= 1e3 * REFINE_FLOOR))
		{
			gnorm = norm_inf(g, np);
			break;
		}
		gnorm = norm_inf(g, np);
	}
	for (i = 0; i < np; i++)
	{
		res->par[i] = exp(theta[i]);
		if (fabs(theta[i]) >= THETA_EDGE)
			at_edge = true;
	}
	res->loglik = ll;
	res->n_customers = c.N;
	res->iterations = c.evals;
	res->method = "lbfgs+newton";
	res->hessian_cond = hessian_conditioning(np, H);
	res->converged = !at_edge && gnorm <= CRM_FIT_GTOL && res->hessian_cond >= CRM_FIT_MIN_COND;
	res->message = res->converged ? "converged" : "the refinement on all rows did not converge";
	return CRM_OK;
}

/*
 * The subsample of the sorted rows obs[0..n): each row is taken with
 * probability 1/stride, systematically.  Rows with the same (x, tx) are
 * kept together where they can be: a run of such rows shorter than stride
 * is taken whole or not at all (every stride-th short run), a longer run
 * gives every stride-th of its rows.  The likelihoods compute their
 * (x, tx) terms once per run (the Pareto/NBD's is a pair of 2F1 series), so
 * a sample of single rows from short runs would cost a run's work per row:
 * 270 ns against 30 ns a row for the Pareto/NBD on 1M customers.  Writes
 * the rows to out when it is not NULL; returns their number.
 */
static size_t
sub_sample(const CrmObs *obs, size_t n, size_t stride, CrmObs *out)
{
	size_t		i = 0,
				m = 0,
				nshort = 0;

	while (i < n)
	{
		size_t		j = i + 1,
					k;

		while (j < n && obs[j].x == obs[i].x && obs[j].tx == obs[i].tx)
			j++;
		if (j - i < stride)
		{
			if (nshort++ % stride == stride / 2)
				for (k = i; k < j; k++)
				{
					if (out != NULL)
						out[m] = obs[k];
					m++;
				}
		}
		else
			for (k = i + stride / 2; k < j; k += stride)
			{
				if (out != NULL)
					out[m] = obs[k];
				m++;
			}
		i = j;
	}
	if (m == 0)
	{
		/* (cannot happen for n >= stride, but never return an empty sample) */
		if (out != NULL)
			out[0] = obs[n / 2];
		m = 1;
	}
	return m;
}

/* Fit spec to obs; see optim.h. */
CrmStatus
crm_fit(const CrmModelSpec *spec, const CrmObs *obs, size_t n,
		const CrmFitOptions *opt, CrmFitResult *res)
{
	double		H[CRM_MAX_PARAMS][CRM_MAX_PARAMS];
	CrmFitOptions opt2;
	CrmFitResult sub_res;
	CrmObs	   *sub;
	size_t		stride,
				nsub;
	int			sub_evals;
	int			i;
	CrmStatus	st;

	if (n < SUB_MIN_ROWS || opt->has_start || spec == NULL || spec->loglik == NULL ||
		spec->nparams < 1 || spec->nparams > CRM_MAX_PARAMS)
		return fit_full(spec, obs, n, opt, res, H, NEWTON_MAX_STEPS);

	stride = n / SUB_TARGET;
	nsub = sub_sample(obs, n, stride, NULL);
	sub = crm_alloc(nsub * sizeof(CrmObs));
	if (sub == NULL)
		return fit_full(spec, obs, n, opt, res, H, NEWTON_MAX_STEPS);
	(void) sub_sample(obs, n, stride, sub);
	/*
	 * The subsample's optimum is only a starting point (it is a few
	 * standard errors from the full one): no Newton polish, whose
	 * finite-difference Hessians cost 2 np + 1 evaluations a step, only
	 * the Hessian at L-BFGS's answer.
	 */
	st = fit_full(spec, sub, nsub, opt, &sub_res, H, 0);
	crm_free(sub);
	if (is_fatal(st))
	{
		*res = sub_res;
		return st;
	}
	if (st != CRM_OK || !sub_res.converged || !(sub_res.hessian_cond > 0))
		return fit_full(spec, obs, n, opt, res, H, NEWTON_MAX_STEPS);
	sub_evals = sub_res.iterations;

	{
		double		theta[CRM_MAX_PARAMS];

		for (i = 0; i < spec->nparams; i++)
			theta[i] = log(sub_res.par[i]);
		memset(res, 0, sizeof(*res));
		st = refine_fixed_hessian(spec, obs, n, opt, theta, H, res);
		if (is_fatal(st))
			return st;
		if (st == CRM_OK && res->converged)
		{
			res->iterations += sub_evals;	/* the subsample's (cheap) ones too */
			return CRM_OK;
		}
	}

	/* the shortcut did not converge: the full search from the subsample's answer */
	opt2 = *opt;
	opt2.has_start = true;
	for (i = 0; i < spec->nparams; i++)
		opt2.start[i] = st == CRM_OK ? res->par[i] : sub_res.par[i];
	st = fit_full(spec, obs, n, &opt2, res, H, NEWTON_MAX_STEPS);
	res->iterations += sub_evals;
	return st;
}
