/*
 * clv.h
 *		Customer lifetime value: unit conversions, the discrete step sum of
 *		lifetimes.customer_lifetime_value, and discounted expected residual
 *		transactions over a finite or infinite horizon for the purchase
 *		models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB).
 *
 * Units.  The models are unit-agnostic: a horizon or step length is in the
 * model's time unit (weeks for CDNOW, periods for BG/BB).  Calendar
 * conversions use the mean Gregorian year of 365.2425 days (a month is
 * 365.2425/12 days), never a 30-day month.  An effective annual discount
 * rate ρ becomes the continuous rate per model unit
 *	δ = ln(1 + ρ) · unit_days / 365.2425,
 * and, for the discrete-period BG/BB, the rate per period d = e^δ − 1
 * (so both describe the same discounting of money over calendar time).
 */
#ifndef CRM_CLV_H
#define CRM_CLV_H

#include "crm_model.h"

/* days in the mean Gregorian year, and in its twelfth (the mean month) */
#define CRM_DAYS_PER_YEAR 365.2425
#define CRM_DAYS_PER_MONTH (365.2425 / 12.0)

/*
 * Continuous discount rate per model unit of unit_days days from the
 * effective annual rate (annual_rate > −1, unit_days > 0, both finite):
 * ln(1 + annual_rate) · unit_days / 365.2425.  CRM_EDOMAIN otherwise.
 */
extern CrmStatus crm_clv_continuous_rate(double annual_rate, double unit_days, double *delta);

/* Discrete rate per period of unit_days days: (1 + annual_rate)^(unit_days/365.2425) − 1. */
extern CrmStatus crm_clv_period_rate(double annual_rate, double unit_days, double *d);

/*
 * Length in days of months + days + seconds, months of 365.2425/12 days.
 * Returns NAN when the result is not finite.
 */
extern double crm_clv_interval_days(double months, double days, double seconds);

/*
 * E[Y(t) | x, tx, T] of purchase model kind (CRM_MODEL_BGNBD, _MBGNBD,
 * _PNBD, or _BGBB with t a whole number of periods and (x, tx, T) =
 * (x, tx, n)).  CRM_EUNSUP for other kinds.
 */
extern CrmStatus crm_clv_cond_expected(CrmModelKind kind, const double *par, double t,
									   double x, double tx, double T, double *out);

/*
 * lifetimes' customer_lifetime_value recipe: for k = 1..steps,
 *	spend · (E[Y(k f)] − E[Y((k − 1) f)]) / (1 + rate_per_step)^k,
 * f = step_length model units (> 0; a whole number for BG/BB), steps >= 0,
 * rate_per_step > −1, spend finite.  End-of-step discounting; no margin.
 */
extern CrmStatus crm_clv_discrete(CrmModelKind kind, const double *par, double x, double tx,
								  double T, double spend, int steps, double step_length,
								  double rate_per_step, double *out);

/*
 * Discounted expected residual transactions ∫0^H e^(−δt) dE[Y(t) | x, tx, T]
 * at continuous rate delta >= 0 per model unit over horizon H > 0 model
 * units (H = +inf for the infinite horizon, which needs delta > 0).
 *	finite H: e^(−δH) E[Y(H)] + δ ∫0^H e^(−δt) E[Y(t)] dt (integration by
 *		parts; adaptive Gauss–Kronrod 7/15, relative accuracy ~1e-11);
 *	infinite H: the model's DERT (Pareto/NBD closed form with Tricomi U;
 *		BG/NBD and MBG/NBD by their numerical integrator; BG/BB closed form).
 * BG/BB is discrete: d = e^δ − 1 per period, a transaction in period n + k
 * discounted by (1 + d)^−k, the horizon floored to whole periods.
 */
extern CrmStatus crm_clv_discounted_transactions(CrmModelKind kind, const double *par,
												 double x, double tx, double T,
												 double delta, double horizon, double *out);

#endif							/* CRM_CLV_H */
