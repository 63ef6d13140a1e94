/*
 * special.h
 *		Special functions the models need that libm lacks or gets wrong
 *		near the edges: log-gamma differences, digamma/trigamma, log-beta,
 *		log-space sums, Gauss 2F1 and Tricomi U(s, s, z).
 *
 * Everything works in log space where magnitudes can leave the double range.
 * Accuracy targets (tested against ../shared/reference/hp/special_*.csv):
 * a few ulp for lgamma/digamma/trigamma, <= 1e-13 relative for 2F1 and U
 * wherever the value is representable (log value to 1e-13 absolute otherwise).
 */
#ifndef CRM_SPECIAL_H
#define CRM_SPECIAL_H

#include "crm_core.h"

/* ln Γ(x) for x > 0 (thread-safe; no signgam). */
extern double crm_lgamma(double x);

/* ln Γ(x + d) − ln Γ(x) for x > 0, x + d > 0, without cancellation for large x. */
extern double crm_lgamma_diff(double x, double d);

/* ψ(x) and ψ'(x) for x > 0. */
extern double crm_digamma(double x);
extern double crm_trigamma(double x);

/* ln B(a, b) for a, b > 0, accurate when one argument is much larger. */
extern double crm_lbeta(double a, double b);

/* ln(1 + e^x), ln(e^a + e^b), ln(e^a − e^b) (a >= b; −Inf when a == b). */
extern double crm_log1pexp(double x);
extern double crm_logaddexp(double a, double b);
extern double crm_logsubexp(double a, double b);

/*
 * Gauss hypergeometric 2F1(a, b; c; z) for real a, b, c and z < 1.
 * Returns log|2F1| in *logabs and its sign (+1, −1, or 0 for an exact zero)
 * in *sign.  c must not be 0 or a negative integer (CRM_EDOMAIN), z must be
 * < 1 (CRM_EDOMAIN).  CRM_ENOCONV if no method reaches full accuracy.
 */
extern CrmStatus crm_hyp2f1(double a, double b, double c, double z,
							double *logabs, int *sign);

/*
 * Tricomi confluent hypergeometric U(s, s, z) for s > 0, z > 0, as ln U.
 * (U(s, s, z) = e^z Γ(1 − s, z); used by the Pareto/NBD DERT.)
 */
extern CrmStatus crm_hyperu_ss(double s, double z, double *logu);

#endif							/* CRM_SPECIAL_H */
