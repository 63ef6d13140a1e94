/*
 * crm_model.h
 *		The common interface of the probability models: how a customer is
 *		described (CrmObs), and the per-model table (CrmModelSpec) the generic
 *		optimizer, the fit aggregates and the SQL glue use.
 *
 * Units: time (recency, age, horizons) is in whatever unit the caller's
 * summary uses (weeks for CDNOW); the models never convert it.
 */
#ifndef CRM_MODEL_H
#define CRM_MODEL_H

#include "crm_core.h"

typedef enum CrmModelKind
{
	CRM_MODEL_BGNBD = 1,		/* BG/NBD (Fader, Hardie & Lee 2005) */
	CRM_MODEL_PNBD = 2,			/* Pareto/NBD (Schmittlein et al. 1987) */
	CRM_MODEL_MBGNBD = 3,		/* MBG/NBD (Batislam et al. 2007) */
	CRM_MODEL_BGBB = 4,			/* BG/BB (Fader, Hardie & Shang 2010) */
	CRM_MODEL_GG = 5,			/* Gamma-Gamma spend (Fader, Hardie & Lee 2005b) */
	CRM_MODEL_SBG = 6			/* shifted Beta-Geometric (Fader & Hardie 2007) */
} CrmModelKind;

#define CRM_MODEL_KIND_MAX 6
#define CRM_MAX_PARAMS 4

/*
 * One customer, or a pattern shared by w customers.  Field meaning per model:
 *	BG/NBD, Pareto/NBD, MBG/NBD: x = repeat purchases (integer >= 0),
 *		tx = recency (time of last purchase since the first, 0 <= tx <= T,
 *		tx = 0 when x = 0), T = age (time since first purchase, >= 0).
 *	BG/BB: x = periods with a repeat transaction (integer, 0 <= x <= n),
 *		tx = last such period (integer, x <= tx <= n, 0 when x = 0),
 *		T = n, the number of transaction opportunities (integer >= 1).
 *	Gamma-Gamma: x = repeat purchases (integer >= 1), tx = mean repeat spend
 *		m̄ (> 0), T unused (0).
 *	sBG: x = tenure in periods (integer), tx = 1 when the customer churned in
 *		period x (x >= 1), 0 when still active after x periods (x >= 0);
 *		T unused (0).
 *	w = weight, > 0 and finite.
 */
typedef struct CrmObs
{
	double		x;
	double		tx;
	double		T;
	double		w;
} CrmObs;

typedef struct CrmModelSpec
{
	CrmModelKind kind;
	const char *name;			/* "bgnbd", "pareto_nbd", ... (SQL type name) */
	int			nparams;
	const char *param_names[CRM_MAX_PARAMS];

	/*
	 * Check one observation.  CRM_OK, or CRM_EDOMAIN with *reason pointing
	 * to a static lower-case phrase ("recency must not exceed age").
	 */
	CrmStatus	(*check_obs) (const CrmObs *o, const char **reason);

	/*
	 * Check a parameter vector (finite, > 0, model constraints).  CRM_OK or
	 * CRM_EPARAM with *reason.
	 */
	CrmStatus	(*check_params) (const double *par, const char **reason);

	/*
	 * Total weighted log-likelihood Σ w_i ln L_i over obs[0..n), and, if
	 * grad != NULL, its gradient with respect to the natural parameters.
	 * obs is sorted by (x, tx, T), so per-x terms may be computed once per
	 * run of equal x.  Must return CRM_OK with a finite *ll, or a non-OK
	 * status (CRM_ERANGE when the likelihood is not finite at par).  Calls
	 * crm_interrupted() every few thousand rows and returns
	 * CRM_EINTERRUPTED when it says so.
	 */
	CrmStatus	(*loglik) (const double *par, const CrmObs *obs, size_t n,
						   double *ll, double *grad);

	/*
	 * Optional (may be NULL): check that the data identify the model, e.g.
	 * BG/NBD cannot be fitted when nobody made a repeat purchase.  CRM_OK,
	 * or CRM_EEMPTY with *reason.
	 */
	CrmStatus	(*check_data) (const CrmObs *obs, size_t n, const char **reason);

	/*
	 * Deterministic starting point for the optimizer, computed from the data
	 * (method of moments or a fixed default).  Must return values > 0.
	 */
	void		(*start) (const CrmObs *obs, size_t n, double *par0);
} CrmModelSpec;

extern const CrmModelSpec crm_bgnbd_spec;
extern const CrmModelSpec crm_pnbd_spec;
extern const CrmModelSpec crm_mbgnbd_spec;
extern const CrmModelSpec crm_bgbb_spec;
extern const CrmModelSpec crm_gg_spec;
extern const CrmModelSpec crm_sbg_spec;

/* The spec of a kind, or NULL for an unknown kind. */
extern const CrmModelSpec *crm_model_spec(CrmModelKind kind);

#endif							/* CRM_MODEL_H */
