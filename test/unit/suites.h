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
extern void test_bgnbd(void);

static const UtSuite crm_unit_suites[] = {
	{"codec", test_codec},
	{"special", test_special},
	{"bgnbd", test_bgnbd},
	{NULL, NULL}
};

#endif							/* CRM_SUITES_H */
