/*
 * test_bgnbd.c
 *		BG/NBD and MBG/NBD core: gradients against finite differences,
 *		per-customer predictions against lifetimes (cdnow_2357_*.csv), the
 *		high-precision truths (hp/bgnbd_discounted_cdnow.csv,
 *		stress_extreme_customers.csv), the total log-likelihood at the
 *		independent MLE, cancellation-prone corners (a near 1, a + b < 1,
 *		x in the thousands) against 60-digit mpmath values, and the model
 *		specs' checks.
 *
 * Parameter sets are copied from ../shared/reference/params_public.json
 * (cdnow_2357_weeks.{bgnbd,mbgnbd}.lifetimes.params and .independent_mle.params)
 * and stress_extreme_customers.params.json at full precision.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "bgnbd.h"
#include "optim.h"
#include "special.h"

void		test_bgnbd(void);

/* params_public.json: cdnow_2357_weeks.bgnbd.lifetimes.params (r, alpha, a, b) */
static const double BG_LIFETIMES[4] = {
	0.24259292827982198, 4.413532265271817, 0.7928859664406002, 2.4257523826255123
};

/* params_public.json: cdnow_2357_weeks.mbgnbd.lifetimes.params */
static const double MBG_LIFETIMES[4] = {
	0.5248377255676664, 6.1829884791339715, 0.8913562809311414, 1.6140000256721279
};

/* params_public.json: cdnow_2357_weeks.bgnbd.independent_mle.params */
static const double BG_MLE[4] = {
	0.24259290637636774, 4.413531540001457, 0.792886205250131, 2.425753635352417
};

/* params_public.json: cdnow_2357_weeks.mbgnbd.independent_mle.params */
static const double MBG_MLE[4] = {
	0.5248379946801205, 6.182992058278943, 0.8913561921909425, 1.6139993268951456
};

/* hp/README.md part 4: δ15 = log(1.15)/52 per week, the exact double used */
static const double DELTA15 = 0.002687729661060743;

/* ------------------------------------------------------------------------ */

typedef CrmStatus (*LogLik1Fn) (const double *, double, double, double, double *, double *);

/* deterministic uniform in [0, 1) (xorshift64*) */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static double
rng_unif(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double) ((rng_state * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

/*
 * Fourth-order central difference of ln L in parameter i, step 1e-4·|θ_i|:
 * truncation ~1e-16, rounding ~1e-11 relative.
 */
static double
fd_grad(LogLik1Fn f, const double *par, int i, double x, double tx, double T)
{
	double		p[4];
	double		h = 1e-4 * par[i];
	double		fp1,
				fm1,
				fp2,
				fm2;

	memcpy(p, par, sizeof(p));
	p[i] = par[i] + h;
	f(p, x, tx, T, &fp1, NULL);
	p[i] = par[i] - h;
	f(p, x, tx, T, &fm1, NULL);
	p[i] = par[i] + 2 * h;
	f(p, x, tx, T, &fp2, NULL);
	p[i] = par[i] - 2 * h;
	f(p, x, tx, T, &fm2, NULL);
	return (8.0 * (fp1 - fm1) - (fp2 - fm2)) / (12.0 * h);
}

/* Analytic gradient vs finite differences for many random customers. */
static void
gradients(void)
{
	const char *names[2] = {"bgnbd", "mbgnbd"};
	LogLik1Fn	fns[2] = {crm_bgnbd_loglik1, crm_mbgnbd_loglik1};
	int			m,
				it,
				i;
	double		worst = 0.0;

	ut_begin("bgnbd: gradient of ln L vs finite differences (500 random customers per model)");
	for (m = 0; m < 2; m++)
	{
		for (it = 0; it < 500; it++)
		{
			double		par[4],
						g[4],
						ll,
						x,
						tx,
						T;
			double		u = rng_unif();

			par[0] = exp(log(0.05) + rng_unif() * log(100.0));	/* r in [0.05, 5] */
			par[1] = exp(log(0.5) + rng_unif() * log(100.0));	/* alpha in [0.5, 50] */
			par[2] = exp(log(0.1) + rng_unif() * log(50.0));	/* a in [0.1, 5] */
			par[3] = exp(log(0.1) + rng_unif() * log(100.0));	/* b in [0.1, 10] */
			x = u < 0.3 ? 0.0 : u < 0.9 ? floor(rng_unif() * 40.0) : floor(rng_unif() * 5000.0);
			T = rng_unif() * 100.0;
			tx = x == 0.0 ? 0.0 : (rng_unif() < 0.1 ? T : rng_unif() * T);
			if (!ut_ok(fns[m](par, x, tx, T, &ll, g) == CRM_OK && isfinite(ll),
					   "%s loglik1 failed at x=%g tx=%g T=%g", names[m], x, tx, T))
				continue;
			for (i = 0; i < 4; i++)
			{
				double		fd = fd_grad(fns[m], par, i, x, tx, T);
				double		scale = fmax(fabs(fd), 1e-3 * (1.0 + fabs(ll)) / par[i]);
				double		err = fabs(g[i] - fd) / scale;

				worst = fmax(worst, err);
				ut_ok(err <= 1e-6, "%s d/d%d at par=(%g,%g,%g,%g) x=%g tx=%g T=%g: analytic %.12g fd %.12g",
					  names[m], i, par[0], par[1], par[2], par[3], x, tx, T, g[i], fd);
			}
		}
	}
	printf("# bgnbd: max scaled gradient error vs finite differences %.3g\n", worst);
	ut_end();
}

/* ------------------------------------------------------------------------ */

/* The CDNOW summary (x, tx, T), read once. */
typedef struct Cdnow
{
	int			n;
	CrmObs		obs[2400];
} Cdnow;

static bool
read_cdnow(Cdnow *c)
{
	UtCsv	   *f = ut_csv_open(ut_shared_path("data/cdnow_customers_summary.csv"));
	int			cx,
				ctx,
				cT;

	if (f == NULL)
		return false;
	cx = ut_csv_col(f, "frequency");
	ctx = ut_csv_col(f, "recency");
	cT = ut_csv_col(f, "T");
	c->n = 0;
	while (ut_csv_next(f) && c->n < 2400)
	{
		c->obs[c->n].x = ut_csv_num(f, cx);
		c->obs[c->n].tx = ut_csv_num(f, ctx);
		c->obs[c->n].T = ut_csv_num(f, cT);
		c->obs[c->n].w = 1.0;
		c->n++;
	}
	ut_csv_close(f);
	return c->n == 2357;
}

static int
cmp_obs(const void *pa, const void *pb)
{
	const CrmObs *a = pa,
			   *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->tx != b->tx)
		return a->tx < b->tx ? -1 : 1;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	return 0;
}

/* Total log-likelihood at the independent MLE; batch = sum of singles; gradient ~ 0. */
static void
total_loglik(void)
{
	static Cdnow c;
	static CrmObs sorted[2400];
	const CrmModelSpec *specs[2] = {&crm_bgnbd_spec, &crm_mbgnbd_spec};
	const double *mle[2] = {BG_MLE, MBG_MLE};
	/* params_public.json: independent_mle.loglik_total_weeks */
	const double want[2] = {-9582.425560567364, -9582.132684899902};
	LogLik1Fn	fns[2] = {crm_bgnbd_loglik1, crm_mbgnbd_loglik1};
	int			m,
				i;

	if (!ut_begin_shared("bgnbd: total LL on CDNOW at the independent MLE (batch and per customer)"))
		return;
	if (!ut_ok(read_cdnow(&c), "cannot read data/cdnow_customers_summary.csv"))
	{
		ut_end();
		return;
	}
	memcpy(sorted, c.obs, sizeof(CrmObs) * c.n);
	qsort(sorted, c.n, sizeof(CrmObs), cmp_obs);
	for (m = 0; m < 2; m++)
	{
		double		ll,
					ll2,
					sum = 0.0,
					g[4],
					g2[4];

		ut_ok(specs[m]->loglik(mle[m], sorted, c.n, &ll, g) == CRM_OK, "%s batch", specs[m]->name);
		ut_close(ll, want[m], 1e-10, "%s total LL (batch, sorted)", specs[m]->name);
		printf("# %s: total LL %.15g, rel err %.3g\n", specs[m]->name, ll, fabs(ll / want[m] - 1));
		/* file order (unsorted) gives the same */
		ut_ok(specs[m]->loglik(mle[m], c.obs, c.n, &ll2, g2) == CRM_OK, "%s batch unsorted", specs[m]->name);
		ut_close(ll2, want[m], 1e-10, "%s total LL (batch, file order)", specs[m]->name);
		for (i = 0; i < c.n; i++)
		{
			double		l;

			fns[m](mle[m], c.obs[i].x, c.obs[i].tx, c.obs[i].T, &l, NULL);
			sum += l;
		}
		ut_close(sum, want[m], 1e-10, "%s total LL (sum of loglik1)", specs[m]->name);
		/* the MLE is a stationary point: |∂LL/∂θ · θ| tiny compared to N */
		for (i = 0; i < 4; i++)
		{
			ut_ok(fabs(g[i] * mle[m][i]) < 1e-4, "%s gradient at MLE d%d*theta = %g", specs[m]->name,
				  i, g[i] * mle[m][i]);
			ut_close_abs(g2[i], g[i], 1e-9, "%s gradient order-independent %d", specs[m]->name, i);
		}
	}
	/* batch gradient vs finite differences of the batch */
	{
		double		par[4] = {0.3, 5.0, 0.7, 2.0};
		double		ll,
					g[4];

		crm_bgnbd_spec.loglik(par, sorted, c.n, &ll, g);
		for (i = 0; i < 4; i++)
		{
			double		p[4],
						f1,
						f2,
						f3,
						f4,
						h = 1e-4 * par[i];

			memcpy(p, par, sizeof(p));
			p[i] = par[i] + h;
			crm_bgnbd_spec.loglik(p, sorted, c.n, &f1, NULL);
			p[i] = par[i] - h;
			crm_bgnbd_spec.loglik(p, sorted, c.n, &f2, NULL);
			p[i] = par[i] + 2 * h;
			crm_bgnbd_spec.loglik(p, sorted, c.n, &f3, NULL);
			p[i] = par[i] - 2 * h;
			crm_bgnbd_spec.loglik(p, sorted, c.n, &f4, NULL);
			ut_close(g[i], (8.0 * (f1 - f2) - (f3 - f4)) / (12.0 * h), 1e-6,
					 "batch gradient %d vs finite differences", i);
		}
	}
	ut_end();
}

/* Weighted rows equal repeated rows; the interrupt hook stops a long batch. */
static bool stop_now = false;

static bool
test_hook(void)
{
	return stop_now;
}

static void
weights_and_interrupt(void)
{
	CrmObs		one[3] = {{2, 10, 30, 3.0}, {0, 0, 12, 2.5}, {7, 29, 29, 1.0}};
	CrmObs		rep[7] = {{0, 0, 12, 1}, {0, 0, 12, 1}, {0, 0, 12, 0.5},
	{2, 10, 30, 1}, {2, 10, 30, 1}, {2, 10, 30, 1}, {7, 29, 29, 1}};
	CrmObs	   *big;
	double		ll1,
				ll2,
				g1[4],
				g2[4];
	int			m,
				i;
	size_t		k;
	const CrmModelSpec *specs[2] = {&crm_bgnbd_spec, &crm_mbgnbd_spec};

	ut_begin("bgnbd: weights, cache path and interrupt");
	for (m = 0; m < 2; m++)
	{
		ut_ok(specs[m]->loglik(BG_MLE, one, 3, &ll1, g1) == CRM_OK, "weighted");
		ut_ok(specs[m]->loglik(BG_MLE, rep, 7, &ll2, g2) == CRM_OK, "repeated");
		ut_close(ll1, ll2, 1e-14, "%s weights = repetitions", specs[m]->name);
		for (i = 0; i < 4; i++)
			ut_close(g1[i], g2[i], 1e-13, "%s weighted gradient %d", specs[m]->name, i);
	}
	/* a large batch (cached logs) equals the sum of its parts */
	big = malloc(20000 * sizeof(CrmObs));
	if (ut_ok(big != NULL, "malloc"))
	{
		double		llb,
					lls = 0.0,
					gb[4];

		for (k = 0; k < 20000; k++)
		{
			big[k].x = (double) (k % 13);
			big[k].T = 10.0 + (double) (k % 97) / 7.0;
			big[k].tx = big[k].x == 0.0 ? 0.0 : big[k].T * (double) (k % 11) / 10.0;
			big[k].w = 1.0;
		}
		qsort(big, 20000, sizeof(CrmObs), cmp_obs);
		ut_ok(crm_bgnbd_spec.loglik(BG_MLE, big, 20000, &llb, gb) == CRM_OK, "big batch");
		for (k = 0; k < 20000; k += 1000)
		{
			double		l;

			crm_bgnbd_spec.loglik(BG_MLE, big + k, 1000, &l, NULL);
			lls += l;
		}
		ut_close(llb, lls, 1e-13, "cached batch = uncached pieces");
		crm_set_interrupt_hook(test_hook);
		stop_now = true;
		ut_ok(crm_bgnbd_spec.loglik(BG_MLE, big, 20000, &llb, gb) == CRM_EINTERRUPTED,
			  "interrupt hook stops the batch");
		ut_ok(crm_mbgnbd_spec.loglik(BG_MLE, big, 20000, &llb, NULL) == CRM_EINTERRUPTED,
			  "interrupt hook stops the MBG batch");
		stop_now = false;
		crm_set_interrupt_hook(NULL);
		free(big);
	}
	ut_end();
}

/* ------------------------------------------------------------------------ */

/* Per customer vs lifetimes: P(alive), E[Y(39)], E[Y(52)], both models. */
static void
cdnow_predictions(void)
{
	UtCsv	   *f;
	int			cx,
				ctx,
				cT,
				rows = 0,
				m,
				k;
	const char *pre[2] = {"bgnbd_", "mbgnbd_"};
	const char *what[3] = {"p_alive", "cond_exp_t39", "cond_exp_t52"};
	int			col[2][3];
	double		worst[2][3] = {{0}};

	if (!ut_begin_shared("bgnbd: per-customer P(alive), E[Y(39)], E[Y(52)] vs lifetimes (cdnow_2357_predictions.csv)"))
		return;
	f = ut_csv_open(ut_shared_path("reference/cdnow_2357_predictions.csv"));
	if (!ut_ok(f != NULL, "cannot open cdnow_2357_predictions.csv"))
	{
		ut_end();
		return;
	}
	cx = ut_csv_col(f, "frequency");
	ctx = ut_csv_col(f, "recency");
	cT = ut_csv_col(f, "T");
	for (m = 0; m < 2; m++)
		for (k = 0; k < 3; k++)
		{
			char		name[64];

			snprintf(name, sizeof(name), "%s%s", pre[m], what[k]);
			col[m][k] = ut_csv_col(f, name);
			ut_ok(col[m][k] >= 0, "column %s", name);
		}
	while (ut_csv_next(f))
	{
		double		x = ut_csv_num(f, cx),
					tx = ut_csv_num(f, ctx),
					T = ut_csv_num(f, cT);

		rows++;
		for (m = 0; m < 2; m++)
		{
			const double *par = m == 0 ? BG_LIFETIMES : MBG_LIFETIMES;
			double		got[3];

			if (m == 0)
			{
				ut_ok(crm_bgnbd_p_alive(par, x, tx, T, &got[0]) == CRM_OK, "p_alive");
				ut_ok(crm_bgnbd_cond_expected(par, 39, x, tx, T, &got[1]) == CRM_OK, "cond 39");
				ut_ok(crm_bgnbd_cond_expected(par, 52, x, tx, T, &got[2]) == CRM_OK, "cond 52");
			}
			else
			{
				ut_ok(crm_mbgnbd_p_alive(par, x, tx, T, &got[0]) == CRM_OK, "p_alive");
				ut_ok(crm_mbgnbd_cond_expected(par, 39, x, tx, T, &got[1]) == CRM_OK, "cond 39");
				ut_ok(crm_mbgnbd_cond_expected(par, 52, x, tx, T, &got[2]) == CRM_OK, "cond 52");
			}
			for (k = 0; k < 3; k++)
			{
				double		want = ut_csv_num(f, col[m][k]);

				worst[m][k] = fmax(worst[m][k], fabs(got[k] / want - 1.0));
				ut_close(got[k], want, 1e-12, "%s%s x=%g tx=%g T=%g", pre[m], what[k], x, tx, T);
			}
		}
	}
	ut_ok(rows == 2357, "expected 2357 rows, read %d", rows);
	for (m = 0; m < 2; m++)
		printf("# %s vs lifetimes: max rel err p_alive %.3g, cond_exp_t39 %.3g, cond_exp_t52 %.3g\n",
			   pre[m], worst[m][0], worst[m][1], worst[m][2]);
	ut_csv_close(f);
	ut_end();
}

/* E[X(t)] and P(X(t) = n) of a new customer vs lifetimes. */
static void
cdnow_unconditional(void)
{
	UtCsv	   *f;
	double		worst_e = 0.0,
				worst_p = 0.0;
	int			rows = 0;

	if (!ut_begin_shared("bgnbd: E[X(t)] and P(X(t)=n) vs lifetimes (cdnow_2357_unconditional_*.csv)"))
		return;
	f = ut_csv_open(ut_shared_path("reference/cdnow_2357_unconditional_expected.csv"));
	if (ut_ok(f != NULL, "cannot open cdnow_2357_unconditional_expected.csv"))
	{
		int			ct = ut_csv_col(f, "t"),
					cb = ut_csv_col(f, "bgnbd_exp"),
					cm = ut_csv_col(f, "mbgnbd_exp");

		while (ut_csv_next(f))
		{
			double		t = ut_csv_num(f, ct),
						e1,
						e2;

			ut_ok(crm_bgnbd_expected(BG_LIFETIMES, t, &e1) == CRM_OK, "bgnbd expected");
			ut_ok(crm_mbgnbd_expected(MBG_LIFETIMES, t, &e2) == CRM_OK, "mbgnbd expected");
			/* lifetimes' own values are good to ~1.3e-13 (mpmath check) */
			ut_close(e1, ut_csv_num(f, cb), 1e-12, "bgnbd E[X(%g)]", t);
			ut_close(e2, ut_csv_num(f, cm), 1e-12, "mbgnbd E[X(%g)]", t);
			worst_e = fmax(worst_e, fmax(fabs(e1 / ut_csv_num(f, cb) - 1), fabs(e2 / ut_csv_num(f, cm) - 1)));
			rows++;
		}
		ut_ok(rows == 5, "5 rows, read %d", rows);
		ut_csv_close(f);
	}
	f = ut_csv_open(ut_shared_path("reference/cdnow_2357_unconditional_pmf.csv"));
	rows = 0;
	if (ut_ok(f != NULL, "cannot open cdnow_2357_unconditional_pmf.csv"))
	{
		int			cmod = ut_csv_col(f, "model"),
					ct = ut_csv_col(f, "t"),
					cn = ut_csv_col(f, "n"),
					cp = ut_csv_col(f, "p");

		while (ut_csv_next(f))
		{
			bool		mbg = strcmp(ut_csv_str(f, cmod), "mbgnbd") == 0;
			double		t = ut_csv_num(f, ct),
						n = ut_csv_num(f, cn),
						want = ut_csv_num(f, cp),
						got;
			CrmStatus	st = mbg ? crm_mbgnbd_prob_n(MBG_LIFETIMES, n, t, &got)
				: crm_bgnbd_prob_n(BG_LIFETIMES, n, t, &got);

			ut_ok(st == CRM_OK, "prob_n status");
			ut_close(got, want, 1e-12, "%s P(X(%g)=%g)", mbg ? "mbgnbd" : "bgnbd", t, n);
			worst_p = fmax(worst_p, fabs(got / want - 1));
			rows++;
		}
		ut_ok(rows == 44, "44 rows, read %d", rows);
		ut_csv_close(f);
	}
	printf("# bgnbd/mbgnbd vs lifetimes: max rel err E[X(t)] %.3g, P(X(t)=n) %.3g\n", worst_e, worst_p);
	ut_end();
}

/* hp/bgnbd_discounted_cdnow.csv: 60-digit truths at the independent MLE. */
static void
hp_discounted(void)
{
	UtCsv	   *f;
	int			rows = 0;
	double		worst[4] = {0};

	if (!ut_begin_shared("bgnbd: P(alive), E[Y(52)], E[Y(104)], DERT(15%) vs hp/bgnbd_discounted_cdnow.csv"))
		return;
	f = ut_csv_open(ut_shared_path("reference/hp/bgnbd_discounted_cdnow.csv"));
	if (!ut_ok(f != NULL, "cannot open hp/bgnbd_discounted_cdnow.csv"))
	{
		ut_end();
		return;
	}
	{
		int			cx = ut_csv_col(f, "x"),
					ctx = ut_csv_col(f, "t_x"),
					cT = ut_csv_col(f, "T"),
					cpa = ut_csv_col(f, "p_alive"),
					c52 = ut_csv_col(f, "cond_exp_t52"),
					c104 = ut_csv_col(f, "cond_exp_t104"),
					cd = ut_csv_col(f, "disc_exp_resid_15pct");

		while (ut_csv_next(f))
		{
			double		x = ut_csv_num(f, cx),
						tx = ut_csv_num(f, ctx),
						T = ut_csv_num(f, cT);
			double		got[4],
						want[4];
			int			k;

			want[0] = ut_csv_num(f, cpa);
			want[1] = ut_csv_num(f, c52);
			want[2] = ut_csv_num(f, c104);
			want[3] = ut_csv_num(f, cd);
			ut_ok(crm_bgnbd_p_alive(BG_MLE, x, tx, T, &got[0]) == CRM_OK, "p_alive");
			ut_ok(crm_bgnbd_cond_expected(BG_MLE, 52, x, tx, T, &got[1]) == CRM_OK, "cond 52");
			ut_ok(crm_bgnbd_cond_expected(BG_MLE, 104, x, tx, T, &got[2]) == CRM_OK, "cond 104");
			ut_ok(crm_bgnbd_dert(BG_MLE, DELTA15, x, tx, T, &got[3]) == CRM_OK, "dert");
			for (k = 0; k < 4; k++)
			{
				worst[k] = fmax(worst[k], fabs(got[k] / want[k] - 1));
				ut_close(got[k], want[k], 1e-12, "column %d x=%g tx=%g T=%g", k, x, tx, T);
			}
			rows++;
		}
	}
	ut_ok(rows == 2357, "2357 rows, read %d", rows);
	printf("# bgnbd vs hp truth: max rel err p_alive %.3g, cond_exp_t52 %.3g, cond_exp_t104 %.3g, dert15 %.3g\n",
		   worst[0], worst[1], worst[2], worst[3]);
	ut_csv_close(f);
	ut_end();
}

/*
 * stress_extreme_customers.csv: every bgnbd/mbgnbd row within 1e-8 of the
 * truth (log10 columns where the value underflows).  Parameters from
 * stress_extreme_customers.params.json (params_used; = the lifetimes fits).
 */
static void
stress_rows(void)
{
	UtCsv	   *f;
	int			rows = 0;
	double		worst[2][2] = {{0}};

	if (!ut_begin_shared("bgnbd: extreme customers vs stress_extreme_customers.csv (x to 2000, tx = T, T to 520)"))
		return;
	f = ut_csv_open(ut_shared_path("reference/stress_extreme_customers.csv"));
	if (!ut_ok(f != NULL, "cannot open stress_extreme_customers.csv"))
	{
		ut_end();
		return;
	}
	{
		int			cm = ut_csv_col(f, "model"),
					cx = ut_csv_col(f, "frequency"),
					ctx = ut_csv_col(f, "recency"),
					cT = ut_csv_col(f, "T_or_n_periods"),
					ct = ut_csv_col(f, "t_or_m_periods"),
					cpa = ut_csv_col(f, "p_alive_truth"),
					cpal = ut_csv_col(f, "p_alive_truth_log10"),
					cce = ut_csv_col(f, "cond_exp_truth"),
					ccel = ut_csv_col(f, "cond_exp_truth_log10");

		while (ut_csv_next(f))
		{
			const char *model = ut_csv_str(f, cm);
			bool		mbg;
			double		x,
						tx,
						T,
						t,
						lpa,
						lce;
			CrmStatus	s1,
						s2;
			int			k;

			if (strcmp(model, "bgnbd") == 0)
				mbg = false;
			else if (strcmp(model, "mbgnbd") == 0)
				mbg = true;
			else
				continue;
			x = ut_csv_num(f, cx);
			tx = ut_csv_num(f, ctx);
			T = ut_csv_num(f, cT);
			t = ut_csv_num(f, ct);
			s1 = mbg ? crm_mbgnbd_log_p_alive(MBG_LIFETIMES, x, tx, T, &lpa)
				: crm_bgnbd_log_p_alive(BG_LIFETIMES, x, tx, T, &lpa);
			s2 = mbg ? crm_mbgnbd_log_cond_expected(MBG_LIFETIMES, t, x, tx, T, &lce)
				: crm_bgnbd_log_cond_expected(BG_LIFETIMES, t, x, tx, T, &lce);
			ut_ok(s1 == CRM_OK && s2 == CRM_OK, "%s status x=%g tx=%g T=%g t=%g", model, x, tx, T, t);
			for (k = 0; k < 2; k++)
			{
				double		lg = k == 0 ? lpa : lce;
				double		truth = ut_csv_num(f, k == 0 ? cpa : cce);
				double		truth10 = ut_csv_num(f, k == 0 ? cpal : ccel);
				double		err;

				if (truth > 1e-300)
					err = fabs(exp(lg) / truth - 1.0);
				else
					err = fabs(lg / M_LN10 - truth10) / fabs(truth10);
				worst[mbg][k] = fmax(worst[mbg][k], err);
				ut_ok(err <= 1e-8, "%s %s x=%g tx=%g T=%g t=%g: rel err %.3g", model,
					  k == 0 ? "p_alive" : "cond_exp", x, tx, T, t, err);
			}
			/* the double-valued functions agree (0 where the truth underflows) */
			if (!mbg)
			{
				double		v;

				crm_bgnbd_cond_expected(BG_LIFETIMES, t, x, tx, T, &v);
				ut_ok(isfinite(v) && fabs(v - exp(lce)) <= 1e-13 * exp(lce), "double cond_exp");
			}
			else
			{
				double		v;

				crm_mbgnbd_cond_expected(MBG_LIFETIMES, t, x, tx, T, &v);
				ut_ok(isfinite(v) && fabs(v - exp(lce)) <= 1e-13 * exp(lce), "double cond_exp");
			}
			rows++;
		}
	}
	ut_ok(rows == 181, "181 bgnbd/mbgnbd rows, read %d", rows);
	printf("# stress rows: max rel err bgnbd p_alive %.3g cond_exp %.3g; mbgnbd p_alive %.3g cond_exp %.3g\n",
		   worst[0][0], worst[0][1], worst[1][0], worst[1][1]);
	ut_csv_close(f);
	ut_end();
}

/* ------------------------------------------------------------------------ */

/* E[Y(t) | x, tx, T] in cancellation-prone corners vs mpmath (60 digits). */
typedef struct CondCase
{
	int			mbg;
	double		par[4];
	double		t,
				x,
				tx,
				T;
	double		want;
} CondCase;

static const CondCase cond_cases[] = {
	/* a = 1 + 1e-7: the closed form loses ~7 digits here */
	{0, {0.2426, 4.41, 1.0000001, 2.43}, 39.0, 2.0, 30.43, 38.86, 1.1026292777033572185},
	{0, {0.2426, 4.41, 1.0000001, 2.43}, 520.0, 2.0, 30.43, 38.86, 5.642854673165827854},
	{0, {0.2426, 4.41, 1.0000001, 2.43}, 39.0, 0.0, 0.0, 38.86, 0.19081294821103931452},
	{0, {0.2426, 4.41, 1.0000001, 2.43}, 52.0, 1000.0, 38.0, 38.86, 0.0015048631905428325533},
	{0, {0.2426, 4.41, 1.0000001, 2.43}, 1e-06, 5.0, 2.0, 38.86, 3.4962775501002705377e-11},
	/* a = 1 exactly (closed form undefined) */
	{0, {0.2426, 4.41, 1.0, 2.43}, 39.0, 2.0, 30.43, 38.86, 1.1026293323119985127},
	{0, {0.2426, 4.41, 1.0, 2.43}, 520.0, 0.0, 0.0, 38.86, 1.3039565953046688674},
	/* a + b < 1: a + b + x − 1 < 0 for x = 0 */
	{0, {0.5, 3.0, 0.3, 0.6}, 52.0, 0.0, 0.0, 20.0, 0.82699611322806980739},
	{0, {0.5, 3.0, 0.3, 0.6}, 10.0, 0.0, 0.0, 0.0, 1.1261734466668493223},
	{0, {0.5, 3.0, 0.3, 0.6}, 52.0, 3.0, 10.0, 20.0, 3.4033727044467767197},
	/* MBG/NBD with x = 5000 (lifetimes returns NaN from x = 500) */
	{1, {0.5248377255676664, 6.1829884791339715, 0.8913562809311414, 1.6140000256721279},
	52.0, 5000.0, 38.8, 38.86, 3511.8970657340681118},
	{1, {0.5248377255676664, 6.1829884791339715, 0.8913562809311414, 1.6140000256721279},
	520.0, 5000.0, 38.86, 38.86, 14557.000576766027999},
};

static void
corners(void)
{
	size_t		i;
	double		v,
				worst = 0.0;

	ut_begin("bgnbd: a near 1, a + b < 1, x = 5000, tiny horizons vs 60-digit values");
	for (i = 0; i < sizeof(cond_cases) / sizeof(cond_cases[0]); i++)
	{
		const CondCase *c = &cond_cases[i];
		CrmStatus	st = c->mbg ? crm_mbgnbd_cond_expected(c->par, c->t, c->x, c->tx, c->T, &v)
			: crm_bgnbd_cond_expected(c->par, c->t, c->x, c->tx, c->T, &v);

		ut_ok(st == CRM_OK, "status case %zu", i);
		ut_close(v, c->want, 1e-12, "cond_expected case %zu (a=%g x=%g t=%g)", i, c->par[2], c->x, c->t);
		worst = fmax(worst, fabs(v / c->want - 1));
	}
	/* a value far below the double range, in log space (mpmath: 4.8876975412840401028e-469) */
	ut_ok(crm_mbgnbd_log_cond_expected(MBG_LIFETIMES, 39.0, 4999.0, 30.0, 38.86, &v) == CRM_OK, "log cond");
	ut_close(v, -1078.3256872720586895, 1e-13, "ln E[Y] for x=4999, tx=30, T=38.86");
	ut_ok(crm_mbgnbd_cond_expected(MBG_LIFETIMES, 39.0, 4999.0, 30.0, 38.86, &v) == CRM_OK && v == 0.0,
		  "underflows to 0 in double");
	/* E[X(t)] with a + b < 1, a near 1 (mpmath) */
	{
		const double p3[4] = {0.5, 3.0, 0.3, 0.6};
		const double p1[4] = {0.2426, 4.41, 1.0000001, 2.43};

		crm_bgnbd_expected(p3, 10.0, &v);
		ut_close(v, 1.1261734466668493223, 1e-12, "E[X(10)] a+b<1");
		crm_bgnbd_expected(p3, 1000.0, &v);
		ut_close(v, 31.022701223156770336, 1e-12, "E[X(1000)] a+b<1");
		crm_bgnbd_expected(p1, 78.0, &v);
		ut_close(v, 1.6201268775841298077, 1e-12, "E[X(78)] a=1+1e-7");
		crm_mbgnbd_expected(p3, 52.0, &v);
		ut_close(v, 3.4145200188427744275, 1e-12, "MBG E[X(52)] a+b<1");
	}
	/* P(X(t) = n) far in the tail and sums to one (mpmath values) */
	crm_bgnbd_prob_n(BG_LIFETIMES, 200.0, 5000.0, &v);
	ut_close(v, 0.000055695932903442952738, 1e-11, "BG P(X(5000)=200)");
	crm_mbgnbd_prob_n(MBG_LIFETIMES, 200.0, 5000.0, &v);
	ut_close(v, 0.000043596770444340483428, 1e-11, "MBG P(X(5000)=200)");
	crm_bgnbd_prob_n(BG_LIFETIMES, 3.0, 0.5, &v);
	ut_close(v, 0.000071763669090898834895, 1e-12, "BG P(X(0.5)=3)");
	crm_mbgnbd_prob_n(MBG_LIFETIMES, 0.0, 1000.0, &v);
	ut_close(v, 0.4002809279497372125, 1e-12, "MBG P(X(1000)=0)");
	{
		double		s1 = 0.0,
					s2 = 0.0,
					m1 = 0.0,
					p;
		int			n;

		for (n = 0; n < 3000; n++)
		{
			crm_bgnbd_prob_n(BG_LIFETIMES, n, 39.0, &p);
			s1 += p;
			m1 += n * p;
			crm_mbgnbd_prob_n(MBG_LIFETIMES, n, 39.0, &p);
			s2 += p;
		}
		ut_close(s1, 1.0, 1e-13, "BG pmf sums to 1");
		ut_close(s2, 1.0, 1e-13, "MBG pmf sums to 1");
		crm_bgnbd_expected(BG_LIFETIMES, 39.0, &p);
		ut_close(m1, p, 1e-12, "BG pmf mean = E[X(39)]");
	}
	printf("# corner cases: max rel err of E[Y] %.3g\n", worst);
	ut_end();
}

/* Degenerate but valid customers and horizons give finite, sensible values. */
static void
edges(void)
{
	double		v,
				v2,
				ll,
				g[4];
	int			i;

	ut_begin("bgnbd: edge customers (T = 0, tx = T, x = 5000, t = 0)");
	/* T = 0: a customer seen today */
	ut_ok(crm_bgnbd_loglik1(BG_MLE, 0, 0, 0, &ll, g) == CRM_OK && ll == 0.0, "T=0 BG: ln L = 0");
	ut_ok(crm_mbgnbd_loglik1(MBG_MLE, 0, 0, 0, &ll, g) == CRM_OK && isfinite(ll), "T=0 MBG finite");
	ut_ok(crm_bgnbd_p_alive(BG_MLE, 0, 0, 0, &v) == CRM_OK && v == 1.0, "T=0 BG P(alive)=1");
	/* MBG: P(alive) for x = 0, T = 0 is 1/(1 + a/b) */
	ut_ok(crm_mbgnbd_p_alive(MBG_MLE, 0, 0, 0, &v) == CRM_OK, "T=0 MBG");
	ut_close(v, 1.0 / (1.0 + MBG_MLE[2] / MBG_MLE[3]), 1e-15, "T=0 MBG P(alive)=b/(a+b)");
	/* new customer: E[Y | 0, 0, 0] = E[X(t)] (BG/NBD) */
	crm_bgnbd_cond_expected(BG_MLE, 52, 0, 0, 0, &v);
	crm_bgnbd_expected(BG_MLE, 52, &v2);
	ut_close(v, v2, 1e-14, "E[Y(t)|0,0,0] = E[X(t)]");
	crm_mbgnbd_cond_expected(MBG_MLE, 52, 0, 0, 0, &v);
	crm_mbgnbd_expected(MBG_MLE, 52, &v2);
	ut_close(v, v2, 1e-14, "MBG E[Y(t)|0,0,0] = E[X(t)]");
	/* tx = T and x in the thousands */
	ut_ok(crm_bgnbd_loglik1(BG_MLE, 5000, 300, 300, &ll, g) == CRM_OK && isfinite(ll), "x=5000 tx=T");
	for (i = 0; i < 4; i++)
		ut_ok(isfinite(g[i]), "gradient finite %d", i);
	ut_ok(crm_bgnbd_p_alive(BG_MLE, 5000, 300, 300, &v) == CRM_OK && v > 0.999, "x=5000 tx=T alive");
	ut_ok(crm_bgnbd_p_alive(BG_MLE, 5000, 1, 300, &v) == CRM_OK && v == 0.0, "x=5000 tx=1 gone");
	ut_ok(crm_bgnbd_dert(BG_MLE, DELTA15, 5000, 300, 300, &v) == CRM_OK && isfinite(v) && v > 0.0,
		  "DERT x=5000");
	ut_ok(crm_mbgnbd_dert(MBG_MLE, DELTA15, 5000, 300, 300, &v) == CRM_OK && isfinite(v) && v > 0.0,
		  "MBG DERT x=5000");
	/* zero horizon */
	ut_ok(crm_bgnbd_cond_expected(BG_MLE, 0, 2, 1, 3, &v) == CRM_OK && v == 0.0, "t=0 E[Y]=0");
	ut_ok(crm_bgnbd_expected(BG_MLE, 0, &v) == CRM_OK && v == 0.0, "t=0 E[X]=0");
	ut_ok(crm_bgnbd_prob_n(BG_MLE, 0, 0, &v) == CRM_OK && v == 1.0, "t=0 P(X=0)=1");
	ut_ok(crm_bgnbd_prob_n(BG_MLE, 3, 0, &v) == CRM_OK && v == 0.0, "t=0 P(X=3)=0");
	/* DERT grows as the discount rate falls and tends to 0 as it grows */
	crm_bgnbd_dert(BG_MLE, 0.01, 2, 30, 38, &v);
	crm_bgnbd_dert(BG_MLE, 0.001, 2, 30, 38, &v2);
	ut_ok(v2 > v, "DERT decreasing in delta");
	ut_ok(crm_bgnbd_dert(BG_MLE, 1e6, 2, 30, 38, &v) == CRM_OK && v > 0.0 && v < 1e-4, "huge delta");
	/* huge horizons stay finite */
	ut_ok(crm_bgnbd_cond_expected(BG_MLE, 1e8, 2, 30, 38, &v) == CRM_OK && isfinite(v), "t=1e8");
	ut_ok(crm_mbgnbd_expected(MBG_MLE, 1e8, &v) == CRM_OK && isfinite(v), "MBG E[X(1e8)]");
	ut_end();
}

/*
 * DERT against an independent route, mpmath at 30-45 digits:
 * δ∫0^∞ e^(−δt) E[Y(t)] dt with E[Y(t)] from the 2F1 closed form.
 */
#define DERT_C1 0.001715724892454538178552
#define DERT_C2 22.93530142375841576962
#define DERT_C3 0.08895364969274358706798
static void
dert_corners(void)
{
	double		v;

	ut_begin("bgnbd: DERT in corners vs mpmath (alive customers)");
	/* P(alive) = 1 for x = 0 (BG/NBD): DERT = E_p E_λ[λ/(δ + pλ)] */
	ut_ok(crm_bgnbd_dert((const double[4]) {0.01, 4.41, 0.1, 0.1}, 1.0, 0, 0, 1, &v) == CRM_OK, "st");
	ut_close(v, DERT_C1, 1e-12, "r=0.01 a=b=0.1 delta=1");
	ut_ok(crm_bgnbd_dert((const double[4]) {2.0, 4.41, 1.000000001, 50.0}, 1e-4, 0, 0, 520, &v) == CRM_OK, "st");
	ut_close(v, DERT_C2, 1e-12, "a=1+1e-9 b=50 delta=1e-4 T=520");
	ut_ok(crm_bgnbd_dert((const double[4]) {0.2426, 4.41, 3.0, 2.43}, 0.05, 0, 0, 38.86, &v) == CRM_OK, "st");
	ut_close(v, DERT_C3, 1e-12, "a=3 delta=0.05");
	ut_end();
}

/*
 * ln(DERT / P(alive)) (the factor the SQL glue memoises per (x, T)) plus
 * ln P(alive) gives crm_*_dert() bit for bit, and the factor does not depend
 * on tx.
 */
static void
dert_factor(void)
{
	static const double cust[][3] = {
		{0, 0, 38.86}, {2, 30.43, 38.86}, {2, 5, 38.86}, {7, 29.43, 35.38}, {50, 1, 60},
	};
	const double *mle[2] = {BG_MLE, MBG_MLE};
	int			m,
				i;

	ut_begin("bgnbd: DERT = exp(ln dert factor(x, T) + ln P(alive)) exactly; factor free of tx");
	for (m = 0; m < 2; m++)
	{
		for (i = 0; i < (int) (sizeof(cust) / sizeof(cust[0])); i++)
		{
			double		x = cust[i][0],
						tx = cust[i][1],
						T = cust[i][2],
						lf,
						lf2,
						lpa,
						d;

			ut_ok((m == 0 ? crm_bgnbd_log_dert_factor(mle[m], DELTA15, x, tx, T, &lf)
				   : crm_mbgnbd_log_dert_factor(mle[m], DELTA15, x, tx, T, &lf)) == CRM_OK, "factor");
			ut_ok((m == 0 ? crm_bgnbd_log_dert_factor(mle[m], DELTA15, x, x > 0 ? T / 2 : 0, T, &lf2)
				   : crm_mbgnbd_log_dert_factor(mle[m], DELTA15, x, x > 0 ? T / 2 : 0, T, &lf2)) == CRM_OK,
				  "factor, other tx");
			ut_ok((m == 0 ? crm_bgnbd_log_p_alive(mle[m], x, tx, T, &lpa)
				   : crm_mbgnbd_log_p_alive(mle[m], x, tx, T, &lpa)) == CRM_OK, "log p_alive");
			ut_ok((m == 0 ? crm_bgnbd_dert(mle[m], DELTA15, x, tx, T, &d)
				   : crm_mbgnbd_dert(mle[m], DELTA15, x, tx, T, &d)) == CRM_OK, "dert");
			ut_ok(exp(lf + lpa) == d, "model %d x=%g tx=%g T=%g: %.17g vs %.17g", m, x, tx, T,
				  exp(lf + lpa), d);
			ut_ok(lf == lf2, "model %d x=%g T=%g: factor depends on tx", m, x, T);
		}
	}
	/* checks as crm_bgnbd_dert: bad customer, bad rate */
	ut_ok(crm_bgnbd_log_dert_factor(BG_MLE, DELTA15, 2, 40, 38.86, &(double) {0}) != CRM_OK, "tx > T");
	ut_ok(crm_bgnbd_log_dert_factor(BG_MLE, 0.0, 2, 30, 38.86, &(double) {0}) == CRM_EDOMAIN, "delta = 0");
	ut_ok(crm_mbgnbd_log_dert_factor(MBG_MLE, -1.0, 2, 30, 38.86, &(double) {0}) == CRM_EDOMAIN, "delta < 0");
	ut_end();
}

/*
 * crm_fit (optim.c) on the CDNOW patterns from the spec's start reaches the
 * independent MLE and the published digits (FHL 2005: r = 0.243,
 * α = 4.414, a = 0.793, b = 2.426, LL = −9582.4).
 */
static void
fit_cdnow(void)
{
	static Cdnow c;
	static CrmObs pat[2400];
	const CrmModelSpec *specs[2] = {&crm_bgnbd_spec, &crm_mbgnbd_spec};
	const double *mle[2] = {BG_MLE, MBG_MLE};
	const double want_ll[2] = {-9582.425560567364, -9582.132684899902};
	size_t		m = 0;
	int			i,
				k;

	if (!ut_begin_shared("bgnbd: crm_fit on CDNOW reaches the independent MLE (both models)"))
		return;
	if (!ut_ok(read_cdnow(&c), "cannot read data/cdnow_customers_summary.csv"))
	{
		ut_end();
		return;
	}
	memcpy(pat, c.obs, sizeof(CrmObs) * c.n);
	qsort(pat, c.n, sizeof(CrmObs), cmp_obs);
	for (i = 0; i < c.n; i++)
	{
		if (m > 0 && cmp_obs(&pat[m - 1], &pat[i]) == 0)
			pat[m - 1].w += pat[i].w;
		else
			pat[m++] = pat[i];
	}
	ut_ok(crm_model_spec(CRM_MODEL_BGNBD) == &crm_bgnbd_spec, "model table has the BG/NBD spec");
	ut_ok(crm_model_spec(CRM_MODEL_MBGNBD) == &crm_mbgnbd_spec, "model table has the MBG/NBD spec");
	for (k = 0; k < 2; k++)
	{
		CrmFitOptions opt;
		CrmFitResult res;
		CrmStatus	st;
		double		worst = 0.0;

		crm_fit_options_default(&opt);
		st = crm_fit(specs[k], pat, m, &opt, &res);
		ut_ok(st == CRM_OK && res.converged, "%s status %s converged %d (%s)", specs[k]->name,
			  crm_status_message(st), res.converged, res.message);
		for (i = 0; i < 4; i++)
		{
			ut_close(res.par[i], mle[k][i], 1e-6, "%s %s", specs[k]->name, specs[k]->param_names[i]);
			worst = fmax(worst, fabs(res.par[i] / mle[k][i] - 1));
		}
		ut_close(res.loglik, want_ll[k], 1e-12, "%s loglik", specs[k]->name);
		ut_close(res.n_customers, 2357, 0, "N");
		printf("# %s fit CDNOW (%zu patterns): max param rel err vs independent MLE %.2e, LL %.13g, %d evaluations (%s)\n",
			   specs[k]->name, m, worst, res.loglik, res.iterations, res.method);
		if (k == 0)
		{
			ut_close(round(res.par[0] * 1000) / 1000, 0.243, 1e-15, "r at published digits");
			ut_close(round(res.par[1] * 1000) / 1000, 4.414, 1e-15, "alpha at published digits");
			ut_close(round(res.par[2] * 1000) / 1000, 0.793, 1e-15, "a at published digits");
			ut_close(round(res.par[3] * 1000) / 1000, 2.426, 1e-15, "b at published digits");
			ut_close(round(res.loglik * 10) / 10, -9582.4, 1e-15, "LL at published digits");
		}
		else
		{
			/* BTYDplus values quoted by lifetimes: 0.525, 6.183, 0.891, 1.614 */
			ut_close(round(res.par[0] * 1000) / 1000, 0.525, 1e-15, "r at published digits");
			ut_close(round(res.par[1] * 1000) / 1000, 6.183, 1e-15, "alpha at published digits");
			ut_close(round(res.par[2] * 1000) / 1000, 0.891, 1e-15, "a at published digits");
			ut_close(round(res.par[3] * 1000) / 1000, 1.614, 1e-15, "b at published digits");
		}
	}
	ut_end();
}

/*
 * Where the 2F1 closed forms are well conditioned (a far from 1, horizons
 * long enough), they agree with the mixture evaluation (crm_hyp2f1, hyp.c).
 */
static void
closed_form_cross_check(void)
{
	const double pars[3][4] = {
		{0.2426, 4.41, 0.7929, 2.4258}, {1.5, 2.0, 3.0, 5.0}, {0.5, 8.0, 0.4, 0.9}
	};
	const double xs[4] = {0, 1, 7, 60};
	const double ts[3] = {10, 52, 300};
	double		worst = 0.0;
	int			ip,
				ix,
				it;

	ut_begin("bgnbd: E[Y(t)] equals the 2F1 closed form where that is well conditioned");
	for (ip = 0; ip < 3; ip++)
		for (ix = 0; ix < 4; ix++)
			for (it = 0; it < 3; it++)
			{
				const double *p = pars[ip];
				double		x = xs[ix],
							T = 40.0,
							tx = x > 0 ? 30.0 : 0.0,
							t = ts[it];
				double		v,
							pa,
							lf,
							q,
							c = p[2] + p[3] + x - 1.0,
							z = t / (p[1] + T + t),
							closed;
				int			sg;

				crm_bgnbd_cond_expected(p, t, x, tx, T, &v);
				crm_bgnbd_p_alive(p, x, tx, T, &pa);
				if (!ut_ok(crm_hyp2f1(p[0] + x, p[3] + x, c, z, &lf, &sg) == CRM_OK, "hyp2f1"))
					continue;
				q = sg * exp(lf + (p[0] + x) * log1p(-z));
				if (fabs(q) / fabs(1.0 - q) > 10.0)
					continue;	/* ill-conditioned: skip */
				closed = c / (p[2] - 1.0) * (1.0 - q) * pa;
				worst = fmax(worst, fabs(v / closed - 1));
				ut_close(v, closed, 1e-12, "par set %d x=%g t=%g", ip, x, t);
			}
	printf("# bgnbd mixture vs 2F1 closed form (well-conditioned cases): max rel diff %.3g\n", worst);
	ut_end();
}

/* The specs' checks, start and metadata. */
static void
specs(void)
{
	const char *reason = NULL;
	CrmObs		o;
	double		par0[4];
	CrmObs		none[2] = {{0, 0, 5, 1}, {0, 0, 9, 2}};
	CrmObs		some[2] = {{0, 0, 5, 1}, {1, 2, 9, 2}};
	const double bad[4] = {0.2, NAN, 1, 1};
	const double neg[4] = {0.2, 1, 0, 1};
	double		v,
				ll;
	int			i;
	static Cdnow c;

	ut_begin("bgnbd: specs (check_obs, check_params, check_data, start) and argument errors");
	ut_ok(crm_bgnbd_spec.kind == CRM_MODEL_BGNBD && crm_mbgnbd_spec.kind == CRM_MODEL_MBGNBD, "kinds");
	ut_ok(strcmp(crm_bgnbd_spec.name, "bgnbd") == 0 && strcmp(crm_mbgnbd_spec.name, "mbgnbd") == 0, "names");
	ut_ok(crm_bgnbd_spec.nparams == 4 && strcmp(crm_bgnbd_spec.param_names[1], "alpha") == 0, "params");
	o = (CrmObs) {2, 3, 4, 1};
	ut_ok(crm_bgnbd_spec.check_obs(&o, &reason) == CRM_OK, "valid obs");
	o = (CrmObs) {2.5, 3, 4, 1};
	ut_ok(crm_bgnbd_spec.check_obs(&o, &reason) == CRM_EDOMAIN && reason != NULL, "fractional x");
	o = (CrmObs) {-1, 0, 4, 1};
	ut_ok(crm_bgnbd_spec.check_obs(&o, &reason) == CRM_EDOMAIN, "negative x");
	o = (CrmObs) {2, 5, 4, 1};
	ut_ok(crm_mbgnbd_spec.check_obs(&o, &reason) == CRM_EDOMAIN &&
		  strcmp(reason, "recency must not exceed age") == 0, "tx > T");
	o = (CrmObs) {0, 1, 4, 1};
	ut_ok(crm_bgnbd_spec.check_obs(&o, &reason) == CRM_EDOMAIN, "tx > 0 with x = 0");
	o = (CrmObs) {1, 1, INFINITY, 1};
	ut_ok(crm_bgnbd_spec.check_obs(&o, &reason) == CRM_EDOMAIN, "infinite T");
	o = (CrmObs) {1, 1, 2, 0};
	ut_ok(crm_bgnbd_spec.check_obs(&o, &reason) == CRM_EDOMAIN, "zero weight");
	o = (CrmObs) {1, -0.5, 2, 1};
	ut_ok(crm_bgnbd_spec.check_obs(&o, &reason) == CRM_EDOMAIN, "negative recency");
	ut_ok(crm_bgnbd_spec.check_params(BG_MLE, &reason) == CRM_OK, "good params");
	ut_ok(crm_bgnbd_spec.check_params(bad, &reason) == CRM_EPARAM, "NaN param");
	ut_ok(crm_mbgnbd_spec.check_params(neg, &reason) == CRM_EPARAM, "zero param");
	ut_ok(crm_bgnbd_spec.check_data(none, 2, &reason) == CRM_EEMPTY &&
		  strcmp(reason, "no customer made a repeat purchase") == 0, "no repeaters");
	ut_ok(crm_mbgnbd_spec.check_data(some, 2, &reason) == CRM_OK, "some repeaters");
	/* public functions reject bad input with the right status */
	ut_ok(crm_bgnbd_p_alive(bad, 1, 1, 2, &v) == CRM_EPARAM, "p_alive bad params");
	ut_ok(crm_bgnbd_p_alive(BG_MLE, 1, 3, 2, &v) == CRM_EDOMAIN, "p_alive tx > T");
	ut_ok(crm_mbgnbd_cond_expected(MBG_MLE, -1, 1, 1, 2, &v) == CRM_EDOMAIN, "negative horizon");
	ut_ok(crm_bgnbd_cond_expected(BG_MLE, NAN, 1, 1, 2, &v) == CRM_EDOMAIN, "NaN horizon");
	ut_ok(crm_bgnbd_expected(neg, 3, &v) == CRM_EPARAM, "expected bad params");
	ut_ok(crm_bgnbd_prob_n(BG_MLE, 1.5, 3, &v) == CRM_EDOMAIN, "fractional n");
	ut_ok(crm_mbgnbd_prob_n(MBG_MLE, -1, 3, &v) == CRM_EDOMAIN, "negative n");
	ut_ok(crm_bgnbd_dert(BG_MLE, 0, 1, 1, 2, &v) == CRM_EDOMAIN, "zero discount rate");
	ut_ok(crm_bgnbd_dert(BG_MLE, INFINITY, 1, 1, 2, &v) == CRM_EDOMAIN, "infinite discount rate");
	ut_ok(crm_bgnbd_loglik1(BG_MLE, 1, 1, NAN, &ll, NULL) == CRM_EDOMAIN, "loglik1 NaN age");
	ut_ok(crm_bgnbd_spec.loglik(bad, some, 2, &ll, NULL) == CRM_EPARAM, "batch bad params");
	/* start: positive, finite, deterministic, and near the CDNOW optimum's scale */
	if (ut_shared_dir() != NULL && read_cdnow(&c))
	{
		double		again[4];

		crm_bgnbd_spec.start(c.obs, c.n, par0);
		crm_bgnbd_spec.start(c.obs, c.n, again);
		for (i = 0; i < 4; i++)
		{
			ut_ok(isfinite(par0[i]) && par0[i] > 0.0, "start %d positive", i);
			ut_ok(par0[i] == again[i], "start deterministic");
		}
		ut_ok(crm_bgnbd_spec.loglik(par0, c.obs, c.n, &ll, NULL) == CRM_OK && isfinite(ll),
			  "LL finite at start");
		printf("# start on CDNOW: r=%g alpha=%g a=%g b=%g, LL %.2f (optimum -9582.43)\n",
			   par0[0], par0[1], par0[2], par0[3], ll);
	}
	crm_bgnbd_spec.start(none, 0, par0);
	for (i = 0; i < 4; i++)
		ut_ok(isfinite(par0[i]) && par0[i] > 0.0, "start on no data positive");
	ut_end();
}

void
test_bgnbd(void)
{
	gradients();
	total_loglik();
	weights_and_interrupt();
	cdnow_predictions();
	cdnow_unconditional();
	hp_discounted();
	stress_rows();
	corners();
	edges();
	dert_corners();
	dert_factor();
	closed_form_cross_check();
	specs();
	fit_cdnow();
}
