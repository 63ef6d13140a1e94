/*
 * test_simulate.c
 *		The demo-data simulator: PRNG determinism, moments of the Gamma and
 *		Beta samplers, determinism and structure of simulated customers, and
 *		the mean number of BG/NBD repeat purchases against the closed form
 *		E[X(t)] (evaluated two independent ways here, since crm_hyp2f1 may
 *		still be a stub) and the Gamma-Gamma mean spend.
 */
#include <math.h>
#include <string.h>

#include "unit.h"
#include "simulate.h"
#include "special.h"

void		test_simulate(void);

static const CrmSimParams default_params = {
	0.25, 4.0, 0.8, 2.5,		/* r, alpha, a, b */
	6.0, 4.0, 15.0,				/* p, q, v */
	78.0, 26.0					/* window, acquisition */
};

static void
prng_determinism(void)
{
	CrmRng		g1,
				g2,
				g3;
	int			k,
				same12 = 0,
				same13 = 0;
	double		sum = 0.0,
				lo = 1.0,
				hi = 0.0;
	const int	n = 100000;

	ut_begin("simulate: PRNG streams are deterministic and distinct");
	crm_rng_seed(&g1, 42, 7, 1);
	crm_rng_seed(&g2, 42, 7, 1);
	crm_rng_seed(&g3, 42, 7, 2);
	for (k = 0; k < 1000; k++)
	{
		uint64_t	a = crm_rng_next(&g1);

		same12 += a == crm_rng_next(&g2);
		same13 += a == crm_rng_next(&g3);
	}
	ut_ok(same12 == 1000, "same seed: %d of 1000 equal", same12);
	ut_ok(same13 == 0, "other stream: %d of 1000 equal", same13);
	/* a fixed value guards against accidental changes of the generator */
	crm_rng_seed(&g1, 1, 0, 0);
	ut_ok(crm_rng_next(&g1) == UINT64_C(0x2737c2ac0171287d), "first output of stream (1, 0, 0) changed");
	for (k = 0; k < n; k++)
	{
		double		u = crm_rng_uniform(&g3);

		sum += u;
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	ut_ok(lo > 0.0 && hi < 1.0, "uniform in (0,1): min %g max %g", lo, hi);
	/* mean of U(0,1): sd 1/sqrt(12 n) = 0.00091 */
	ut_close_abs(sum / n, 0.5, 5 * 0.00091, "uniform mean");
	ut_end();
}

/* sample mean and variance of n draws of Gamma(shape, rate 2) */
static void
gamma_moments(double shape)
{
	CrmRng		g;
	const int	n = 200000;
	const double rate = 2.0;
	double		sum = 0.0,
				sum2 = 0.0,
				mean,
				var,
				tmean = shape / rate,
				tvar = shape / (rate * rate),
				/* sd of the sample variance: sqrt((mu4 - sigma^4)/n), mu4 = (3k^2+6k)/rate^4 */
				se_var = sqrt((2.0 * shape * shape + 6.0 * shape) / n) / (rate * rate);
	int			k;

	crm_rng_seed(&g, 2024, (uint64_t) (shape * 1000), 3);
	for (k = 0; k < n; k++)
	{
		double		x = crm_rng_gamma(&g, shape, rate);

		sum += x;
		sum2 += x * x;
	}
	mean = sum / n;
	var = sum2 / n - mean * mean;
	ut_close_abs(mean, tmean, 5.0 * sqrt(tvar / n), "Gamma(%g) mean %g vs %g", shape, mean, tmean);
	ut_close_abs(var, tvar, 5.0 * se_var, "Gamma(%g) variance %g vs %g", shape, var, tvar);
}

/* E[ln G] = psi(k), Var[ln G] = psi'(k): checks the log-space boost at tiny shapes */
static void
log_gamma_moments(double shape)
{
	CrmRng		g;
	const int	n = 200000;
	double		sum = 0.0,
				sum2 = 0.0,
				mean,
				var;
	int			k;

	crm_rng_seed(&g, 77, (uint64_t) (shape * 1e6), 4);
	for (k = 0; k < n; k++)
	{
		double		x = crm_rng_log_gamma(&g, shape);

		sum += x;
		sum2 += x * x;
	}
	mean = sum / n;
	var = sum2 / n - mean * mean;
	ut_close_abs(mean, crm_digamma(shape), 5.0 * sqrt(crm_trigamma(shape) / n),
				 "E ln Gamma(%g) %g vs digamma %g", shape, mean, crm_digamma(shape));
	/* Var ln G is within a few percent at this n for these shapes */
	ut_close(var, crm_trigamma(shape), 0.03, "Var ln Gamma(%g) %g vs trigamma %g",
			 shape, var, crm_trigamma(shape));
}

static void
beta_moments(double a, double b)
{
	CrmRng		g;
	const int	n = 200000;
	double		sum = 0.0,
				sum2 = 0.0,
				mean,
				var,
				tmean = a / (a + b),
				tvar = a * b / ((a + b) * (a + b) * (a + b + 1.0));
	int			k;
	bool		inside = true;

	crm_rng_seed(&g, 99, (uint64_t) (a * 100 + b), 5);
	for (k = 0; k < n; k++)
	{
		double		x = crm_rng_beta(&g, a, b);

		inside = inside && x >= 0.0 && x <= 1.0 && x == x;
		sum += x;
		sum2 += x * x;
	}
	mean = sum / n;
	var = sum2 / n - mean * mean;
	ut_ok(inside, "Beta(%g,%g) draws in [0,1]", a, b);
	ut_close_abs(mean, tmean, 5.0 * sqrt(tvar / n), "Beta(%g,%g) mean %g vs %g", a, b, mean, tmean);
	/* a variance's sd is at most about sqrt(2/n) var for these shapes: 5 sd */
	ut_close(var, tvar, 5.0 * sqrt(2.0 / n) * 2.0, "Beta(%g,%g) variance %g vs %g", a, b, var, tvar);
}

static void
samplers(void)
{
	ut_begin("simulate: Gamma and Beta sampler moments");
	gamma_moments(0.05);
	gamma_moments(0.25);
	gamma_moments(1.0);
	gamma_moments(6.0);
	gamma_moments(50.0);
	log_gamma_moments(0.001);
	log_gamma_moments(0.25);
	log_gamma_moments(3.0);
	beta_moments(0.8, 2.5);
	beta_moments(0.05, 0.05);
	beta_moments(5.0, 1.0);
	beta_moments(200.0, 300.0);
	ut_end();
}

/* true when two events are identical field by field */
static bool
same_event(const CrmSimEvent *x, const CrmSimEvent *y)
{
	return x->customer == y->customer && x->before_end == y->before_end &&
		x->kind == y->kind && x->has_amount == y->has_amount &&
		(!x->has_amount || x->amount == y->amount) && x->has_cost == y->has_cost &&
		(!x->has_cost || x->cost == y->cost) && strcmp(x->channel, y->channel) == 0 &&
		x->satisfaction == y->satisfaction && x->referred == y->referred;
}

static void
customer_determinism(void)
{
	CrmSimBuffer b1 = {0},
				b2 = {0};
	CrmSimCustomer c1,
				c2;
	int64_t		i;
	int			differ = 0,
				mismatch = 0;

	ut_begin("simulate: same seed gives the same customers, another seed others");
	for (i = 1; i <= 200; i++)
	{
		size_t		k;

		crm_sim_customer(&default_params, 42, 200, i, &c1);
		crm_sim_customer(&default_params, 42, 200, i, &c2);
		ut_ok(crm_sim_events(&default_params, 42, 200, &c1, &b1) == CRM_OK, "events");
		/* interleave another customer: must not disturb customer i's rows */
		crm_sim_customer(&default_params, 42, 200, 201 - i, &c2);
		ut_ok(crm_sim_events(&default_params, 42, 200, &c2, &b2) == CRM_OK, "events");
		crm_sim_customer(&default_params, 42, 200, i, &c2);
		ut_ok(crm_sim_events(&default_params, 42, 200, &c2, &b2) == CRM_OK, "events");
		if (b1.n != b2.n || c1.lambda != c2.lambda || c1.age != c2.age)
			mismatch++;
		else
			for (k = 0; k < b1.n; k++)
				if (!same_event(&b1.ev[k], &b2.ev[k]))
				{
					mismatch++;
					break;
				}
		crm_sim_customer(&default_params, 43, 200, i, &c2);
		ut_ok(crm_sim_events(&default_params, 43, 200, &c2, &b2) == CRM_OK, "events");
		if (b1.n != b2.n || b1.ev[0].amount != b2.ev[0].amount || c1.lambda != c2.lambda)
			differ++;
	}
	ut_ok(mismatch == 0, "%d of 200 customers not reproduced", mismatch);
	ut_ok(differ == 200, "only %d of 200 customers differ with another seed", differ);
	crm_sim_buffer_free(&b1);
	crm_sim_buffer_free(&b2);
	ut_end();
}

static void
customer_structure(void)
{
	CrmSimBuffer buf = {0};
	CrmSimCustomer c;
	const int64_t n = 20000;
	int64_t		i,
				referred = 0,
				refunds = 0,
				contacts = 0,
				bad = 0;
	double		prev_age = 1e300;

	ut_begin("simulate: rows are consistent with the process");
	for (i = 1; i <= n; i++)
	{
		size_t		k;
		int64_t		x = 0;
		double		last = 0.0;

		crm_sim_customer(&default_params, 7, n, i, &c);
		if (crm_sim_events(&default_params, 7, n, &c, &buf) != CRM_OK)
		{
			bad++;
			continue;
		}
		/* ages fall in (W - A, W] and decrease with the index */
		if (!(c.age > 78.0 - 26.0 - 1e-9 && c.age <= 78.0 && c.age < prev_age))
			bad++;
		prev_age = c.age;
		if (c.referred_by != 0)
		{
			referred++;
			if (!(c.referred_by >= 1 && c.referred_by < i && strcmp(c.channel, "referral") == 0))
				bad++;
		}
		/* the first row is the first purchase, at age 0 */
		if (buf.n == 0 || buf.ev[0].kind != CRM_SIM_PURCHASE || buf.ev[0].before_end != c.age)
			bad++;
		for (k = 0; k < buf.n; k++)
		{
			const CrmSimEvent *e = &buf.ev[k];

			if (e->kind == CRM_SIM_REFERRAL)
			{
				if (!(k == buf.n - 1 && e->customer == c.referred_by && e->referred == i &&
					  e->before_end == c.age))
					bad++;
				continue;
			}
			if (e->customer != i || !(e->before_end >= 0.0 && e->before_end <= c.age))
				bad++;
			if (k > 0 && buf.ev[k - 1].kind != CRM_SIM_REFERRAL &&
				e->before_end > buf.ev[k - 1].before_end)
				bad++;			/* not in time order */
			switch (e->kind)
			{
				case CRM_SIM_PURCHASE:
					if (!(e->has_amount && e->amount > 0.0 && !e->has_cost))
						bad++;
					if (k > 0)
						x++;
					last = c.age - e->before_end;
					break;
				case CRM_SIM_REFUND:
					refunds++;
					if (!(e->has_amount && e->amount < 0.0))
						bad++;
					break;
				default:
					contacts++;
					if (e->has_amount || (e->has_cost && !(e->cost >= 0.0)) ||
						e->satisfaction < 0 || e->satisfaction > 5)
						bad++;
					/* contacts only while active */
					if (!c.alive && c.age - e->before_end > c.dropout_age)
						bad++;
					break;
			}
		}
		if (x != c.repeat_purchases || fabs(last - c.recency) > 1e-9 * (1.0 + c.age))
			bad++;
		if (!c.alive && c.dropout_age != c.recency)
			bad++;				/* dropout happens right after the last purchase */
	}
	ut_ok(bad == 0, "%lld inconsistencies", (long long) bad);
	/* about 8 % referred, some refunds, some contacts */
	ut_ok(referred > 0.06 * n && referred < 0.10 * n, "referred %lld of %lld", (long long) referred, (long long) n);
	ut_ok(refunds > 0 && contacts > n, "refunds %lld contacts %lld", (long long) refunds, (long long) contacts);
	crm_sim_buffer_free(&buf);
	ut_end();
}

/* 2F1(a, b; c; z) by its power series, 0 <= z < 1 (test-only; slow near 1) */
static double
hyp2f1_series(double a, double b, double c, double z)
{
	double		term = 1.0,
				sum = 1.0;
	int			k;

	for (k = 0; k < 2000000; k++)
	{
		term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
		sum += term;
		if (fabs(term) < 1e-17 * fabs(sum))
			break;
	}
	return sum;
}

/* E[X(t)] of BG/NBD from the published closed form (with the series 2F1) */
static double
bgnbd_expected_closed(const CrmSimParams *sp, double t)
{
	double		r = sp->r,
				al = sp->alpha,
				a = sp->a,
				b = sp->b;

	return (a + b - 1.0) / (a - 1.0) *
		(1.0 - pow(al / (al + t), r) * hyp2f1_series(r, b, a + b - 1.0, t / (al + t)));
}

/*
 * E[X(t)] as the integral over p ~ Beta(a, b) of E[X(t) | p] =
 * (1 - (alpha/(alpha + p t))^r) / p, by Simpson's rule after p = u^(1/a),
 * which removes the p^(a-1) singularity.  Independent of any 2F1 code.
 */
static double
bgnbd_expected_integral(const CrmSimParams *sp, double t)
{
	const int	m = 200000;		/* even */
	double		h = 1.0 / m,
				sum = 0.0,
				lb = crm_lbeta(sp->a, sp->b);
	int			k;

	for (k = 0; k <= m; k++)
	{
		double		u = k * h;
		double		p = pow(u, 1.0 / sp->a);
		double		g,
					w;

		if (p == 0.0)
			g = sp->r * t / sp->alpha;
		else
			g = -expm1(-sp->r * log1p(p * t / sp->alpha)) / p;
		w = (k == 0 || k == m) ? 1.0 : (k % 2 ? 4.0 : 2.0);
		sum += w * g * (p < 1.0 ? pow(1.0 - p, sp->b - 1.0) : 0.0);
	}
	return sum * h / 3.0 / (sp->a * exp(lb));
}

static void
expected_purchases(void)
{
	const double horizons[] = {10.0, 52.0, 78.0};
	int			h;

	ut_begin("simulate: mean repeat purchases match BG/NBD E[X(t)]");
	for (h = 0; h < 3; h++)
	{
		CrmSimParams sp = default_params;
		CrmSimBuffer buf = {0};
		CrmSimCustomer c;
		const int64_t n = 100000;
		double		t = horizons[h],
					closed,
					integral,
					sum = 0.0,
					sum2 = 0.0,
					mean,
					sd;
		int64_t		i;

		sp.window_weeks = t;
		sp.acquisition_weeks = 0.0;	/* every customer has T = t */
		closed = bgnbd_expected_closed(&sp, t);
		integral = bgnbd_expected_integral(&sp, t);
		ut_close(integral, closed, 1e-7, "E[X(%g)]: integral %.10g vs closed form %.10g", t, integral, closed);
		for (i = 1; i <= n; i++)
		{
			crm_sim_customer(&sp, 1000 + h, n, i, &c);
			if (!ut_ok(crm_sim_events(&sp, 1000 + h, n, &c, &buf) == CRM_OK, "events"))
				break;
			sum += (double) c.repeat_purchases;
			sum2 += (double) c.repeat_purchases * (double) c.repeat_purchases;
		}
		mean = sum / n;
		sd = sqrt((sum2 / n - mean * mean) / n);
		ut_close_abs(mean, closed, 4.0 * sd, "t = %g: simulated mean %.5f vs E[X(t)] %.5f (se %.5f)",
					 t, mean, closed, sd);
		crm_sim_buffer_free(&buf);
	}
	ut_end();
}

static void
mean_spend(void)
{
	CrmSimBuffer buf = {0};
	CrmSimCustomer c;
	const int64_t n = 100000;
	int64_t		i;
	double		sum = 0.0,
				sum2 = 0.0,
				mean,
				sd,
				truth = default_params.p * default_params.v / (default_params.q - 1.0);

	ut_begin("simulate: first-purchase spend has the Gamma-Gamma mean p v / (q - 1)");
	for (i = 1; i <= n; i++)
	{
		double		z;

		crm_sim_customer(&default_params, 5, n, i, &c);
		if (!ut_ok(crm_sim_events(&default_params, 5, n, &c, &buf) == CRM_OK, "events"))
			break;
		z = buf.ev[0].amount;	/* one draw per customer: independent */
		sum += z;
		sum2 += z * z;
	}
	mean = sum / n;
	sd = sqrt((sum2 / n - mean * mean) / n);
	ut_close_abs(mean, truth, 4.0 * sd, "mean spend %.4f vs %.4f (se %.4f)", mean, truth, sd);
	crm_sim_buffer_free(&buf);
	ut_end();
}

static void
bad_parameters(void)
{
	CrmSimParams sp;
	CrmSimCustomer c;
	CrmSimBuffer buf = {0};
	const char *reason = NULL;
	CrmStatus	st;

	ut_begin("simulate: bad parameters and runaway customers are refused");
	ut_ok(crm_sim_check(&default_params, 10, &reason) == CRM_OK, "defaults accepted");
	sp = default_params;
	sp.r = NAN;
	ut_ok(crm_sim_check(&sp, 10, &reason) == CRM_EPARAM && reason != NULL, "NaN r");
	sp = default_params;
	sp.b = 0.0;
	ut_ok(crm_sim_check(&sp, 10, &reason) == CRM_EPARAM, "b = 0");
	sp = default_params;
	sp.v = -1.0;
	ut_ok(crm_sim_check(&sp, 10, &reason) == CRM_EPARAM, "v < 0");
	sp = default_params;
	sp.acquisition_weeks = 100.0;
	ut_ok(crm_sim_check(&sp, 10, &reason) == CRM_EPARAM, "A > W");
	sp = default_params;
	sp.window_weeks = INFINITY;
	ut_ok(crm_sim_check(&sp, 10, &reason) == CRM_EPARAM, "W infinite");
	ut_ok(crm_sim_check(&default_params, -1, &reason) == CRM_EPARAM, "n < 0");
	/* lambda ~ 1e9 per week and almost no dropout: too many purchases */
	sp = default_params;
	sp.r = 1e6;
	sp.alpha = 1e-3;
	sp.a = 1e-3;
	sp.b = 1e3;
	crm_sim_customer(&sp, 1, 1, 1, &c);
	st = crm_sim_events(&sp, 1, 1, &c, &buf);
	ut_ok(st == CRM_ERANGE, "runaway customer: status %d", (int) st);
	crm_sim_buffer_free(&buf);
	ut_end();
}

void
test_simulate(void)
{
	prng_determinism();
	samplers();
	customer_determinism();
	customer_structure();
	expected_purchases();
	mean_spend();
	bad_parameters();
}
