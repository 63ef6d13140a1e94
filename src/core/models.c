/*
 * models.c
 *		crm_model_spec(): the table from model kind to CrmModelSpec.
 *
 * The six specs live in their models' files (bgnbd.c, pnbd.c, bgbb.c,
 * gg.c, sbg.c), which are written on parallel branches.  So that this file
 * links before they all exist, and cannot cause a duplicate symbol when
 * their branches are merged, every spec that is not yet written has a
 * *weak* placeholder definition here (CRM_PLACEHOLDER_SPEC).  The linker
 * lets a strong definition (the real spec in its model's file, once that
 * file is in CORE_SRCS) override a weak one silently, so merging a model
 * branch needs no edit here; afterwards the placeholder line for that model
 * can simply be deleted.  A placeholder has loglik == NULL, which
 * crm_model_spec() reports as "not available in this build" (NULL), so the
 * glue answers 0A000 instead of calling a missing function.
 *
 * Weak symbols are a GCC/Clang extension (ELF and Mach-O), which is what
 * every supported Debian PostgreSQL build uses; they are confined to this
 * file.
 */
#include <stddef.h>

#include "crm_model.h"

#if defined(__GNUC__) || defined(__clang__)
#define CRM_WEAK __attribute__((weak))
#else
#error "crm_ext's model table needs weak symbols (GCC or Clang)"
#endif

/* A not-yet-written model: names only, no likelihood. */
#define CRM_PLACEHOLDER_SPEC(sym, k, nm, np, p0, p1, p2, p3) \
	CRM_WEAK const CrmModelSpec sym = { \
		.kind = k, .name = nm, .nparams = np, .param_names = {p0, p1, p2, p3}, \
		.check_obs = NULL, .check_params = NULL, .loglik = NULL, \
		.check_data = NULL, .start = NULL \
	}

CRM_PLACEHOLDER_SPEC(crm_bgnbd_spec, CRM_MODEL_BGNBD, "bgnbd", 4, "r", "alpha", "a", "b");
CRM_PLACEHOLDER_SPEC(crm_mbgnbd_spec, CRM_MODEL_MBGNBD, "mbgnbd", 4, "r", "alpha", "a", "b");
CRM_PLACEHOLDER_SPEC(crm_pnbd_spec, CRM_MODEL_PNBD, "pareto_nbd", 4, "r", "alpha", "s", "beta");
CRM_PLACEHOLDER_SPEC(crm_bgbb_spec, CRM_MODEL_BGBB, "bgbb", 4, "alpha", "beta", "gamma", "delta");
CRM_PLACEHOLDER_SPEC(crm_gg_spec, CRM_MODEL_GG, "gamma_gamma", 3, "p", "q", "v", NULL);

/*
 * The spec of a kind, or NULL for an unknown kind or a model whose code is
 * not in this build (placeholder).
 */
const CrmModelSpec *
crm_model_spec(CrmModelKind kind)
{
	const CrmModelSpec *spec;

	switch (kind)
	{
		case CRM_MODEL_BGNBD:
			spec = &crm_bgnbd_spec;
			break;
		case CRM_MODEL_PNBD:
			spec = &crm_pnbd_spec;
			break;
		case CRM_MODEL_MBGNBD:
			spec = &crm_mbgnbd_spec;
			break;
		case CRM_MODEL_BGBB:
			spec = &crm_bgbb_spec;
			break;
		case CRM_MODEL_GG:
			spec = &crm_gg_spec;
			break;
		case CRM_MODEL_SBG:
			spec = &crm_sbg_spec;
			break;
		default:
			return NULL;
	}
	if (spec->loglik == NULL || spec->check_obs == NULL || spec->check_params == NULL ||
		spec->start == NULL || spec->kind != kind)
		return NULL;
	return spec;
}
