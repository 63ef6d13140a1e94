/*
 * suites.h
 *		The list of unit-test suites, in run order.  Add one line per
 *		test_<name>.c file.
 */
#ifndef CRM_SUITES_H
#define CRM_SUITES_H

typedef struct UtSuite
{
	const char *name;
	void		(*run) (void);
} UtSuite;

extern void test_codec(void);
extern void test_special(void);
extern void test_hyp(void);
extern void test_simulate(void);
extern void test_optim(void);
extern void test_accum(void);
extern void test_sbg(void);
extern void test_bgbb(void);
extern void test_gg(void);
extern void test_pnbd(void);
extern void test_rfm(void);
extern void test_svg(void);
extern void test_bgnbd(void);
extern void test_clv(void);
extern void test_predcache(void);

static const UtSuite crm_unit_suites[] = {
	{"codec", test_codec},
	{"special", test_special},
	{"hyp", test_hyp},
	{"simulate", test_simulate},
	{"optim", test_optim},
	{"accum", test_accum},
	{"sbg", test_sbg},
	{"bgbb", test_bgbb},
	{"gg", test_gg},
	{"pnbd", test_pnbd},
	{"rfm", test_rfm},
	{"svg", test_svg},
	{"bgnbd", test_bgnbd},
	{"clv", test_clv},
	{"predcache", test_predcache},
	{NULL, NULL}
};

#endif							/* CRM_SUITES_H */
