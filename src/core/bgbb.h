/*
 * bgbb.h
 *		BG/BB (Fader, Hardie & Shang 2010): discrete-time "buy till you die"
 *		with n transaction opportunities.
 *
 * par = {alpha, beta, gamma, delta}, all > 0.  A customer is (x, tx, n):
 * x repeat transactions in periods 1..n, the last in period tx (0 if none).
 * All of x, tx, n, m are whole numbers.  CRM_OK with a finite result, or an
 * error status; never NaN (in particular no 1e-15 fudge: long histories must
 * keep their digits).
 *
 * Customer rules (crm_bgbb_spec.check_obs and every function taking a
 * history; CRM_EDOMAIN otherwise): 1 <= n <= CRM_BGBB_MAX_N,
 * 0 <= x <= tx <= n, and tx = 0 exactly when x = 0.  The fit data must
 * contain a transaction, a period without one and a customer whose last
 * transaction was before period n (check_data; CRM_EEMPTY otherwise), or
 * the maximum lies on the boundary of the parameter space.
 */
#ifndef CRM_BGBB_H
#define CRM_BGBB_H

#include "crm_model.h"

/*
 * Largest number of opportunities n accepted (the likelihood and P(X(n) = x)
 * take O(n) time per customer).
 */
#define CRM_BGBB_MAX_N 1000000

/* ln L for one customer; grad (d/d{alpha,beta,gamma,delta}) may be NULL */
extern CrmStatus crm_bgbb_loglik1(const double *par, double x, double tx, double n,
								  double *ll, double *grad);
/* P(alive in period n + m | x, tx, n), m >= 0 (m = 1: the paper's "P(alive in 2002)") */
extern CrmStatus crm_bgbb_p_alive(const double *par, double x, double tx, double n, double m,
								  double *out);
/* ln P(alive in period n + m | x, tx, n), for probabilities below the double range */
extern CrmStatus crm_bgbb_log_p_alive(const double *par, double x, double tx, double n,
									 double m, double *out);
/*
 * P(alive in period n + m | x, tx, n + m): alive if m further periods pass
 * without a transaction (m >= 0; m = 0 gives P(alive in period n))
 */
extern CrmStatus crm_bgbb_p_alive_future(const double *par, double x, double tx, double n,
										 double m, double *out);
/* E[X(n)]: expected transactions of a new customer in n opportunities */
extern CrmStatus crm_bgbb_expected(const double *par, double n, double *out);
/* E[X(n, n + m) | x, tx, n]: expected transactions in the next m periods */
extern CrmStatus crm_bgbb_cond_expected(const double *par, double m, double x, double tx,
										double n, double *out);
/* P(X(n) = x) for a new customer */
extern CrmStatus crm_bgbb_prob_n(const double *par, double x, double n, double *out);
/*
 * DERT (FHS 2010 eq. 14) with discrete discount rate d > 0 per period:
 * a transaction in period n + k is discounted by (1 + d)^−k.
 */
extern CrmStatus crm_bgbb_dert(const double *par, double d, double x, double tx, double n,
							   double *out);

#endif							/* CRM_BGBB_H */
