/*
 * optim.h
 *		Maximum-likelihood fitting of any CrmModelSpec with NLopt.
 *
 * The search runs on log-parameters with a gradient method (L-BFGS); when
 * the likelihood is not finite at some point, or L-BFGS fails, it falls back
 * to a derivative-free method from the best point seen.  Starting points
 * are deterministic.  The result says whether the fit converged; it is never
 * silently replaced by garbage.
 */
#ifndef CRM_OPTIM_H
#define CRM_OPTIM_H

#include "crm_model.h"

typedef struct CrmFitOptions
{
	double		penalizer;		/* L2 penalty λ >= 0: maximise LL/N − λ Σ par² */
	bool		has_start;		/* use start[] instead of the model's start */
	double		start[CRM_MAX_PARAMS];
	int			max_evals;		/* 0 = default */
} CrmFitOptions;

typedef struct CrmFitResult
{
	double		par[CRM_MAX_PARAMS];
	double		loglik;			/* total Σ w ln L at par, without penalty */
	double		n_customers;	/* Σ w */
	int			iterations;		/* likelihood evaluations */
	bool		converged;
	const char *method;			/* "lbfgs", "lbfgs+sbplx", ... (static) */
	const char *message;		/* why it stopped (static) */
	double		hessian_cond;	/* smallest/largest eigenvalue of the Hessian
								 * (θ = ln par) at the answer; 0 when not
								 * positive definite */
} CrmFitResult;

extern void crm_fit_options_default(CrmFitOptions *opt);

/*
 * Fit spec to obs[0..n) (sorted by x, tx, T; all already checked).  With
 * 50k or more rows and no start vector, the search first fits a stratified
 * subsample of the rows and then refines on all of them (see optim.c); the
 * answer is the same MLE to rounding level, and res->iterations counts the
 * evaluations of both phases.
 * CRM_OK when a result was produced (res->converged says whether the
 * optimizer met its tolerance); CRM_EEMPTY when n == 0 or Σ w == 0;
 * CRM_ENOCONV when not even a finite likelihood was found.
 */
extern CrmStatus crm_fit(const CrmModelSpec *spec, const CrmObs *obs, size_t n,
						 const CrmFitOptions *opt, CrmFitResult *res);

#endif							/* CRM_OPTIM_H */
