/*
 * runner.c
 *		Runs every unit-test suite of the numerical core.
 *		Usage: runner [shared-dir]   (default: $CRM_SHARED_DIR)
 *		Exit status 1 when any case failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "suites.h"

extern int	ut_passed;
extern int	ut_failed;
extern int	ut_skipped;
extern void ut_set_shared_dir(const char *dir);

int
main(int argc, char **argv)
{
	int			i;

	if (argc > 1)
		ut_set_shared_dir(argv[1]);
	else
		ut_set_shared_dir(getenv("CRM_SHARED_DIR"));
	if (ut_shared_dir() == NULL)
		printf("# WARNING: reference directory ../shared not found; reference checks are SKIPPED\n");

	for (i = 0; crm_unit_suites[i].name != NULL; i++)
	{
		printf("# suite %s\n", crm_unit_suites[i].name);
		crm_unit_suites[i].run();
	}
	printf("# unit: %d passed, %d failed, %d skipped\n", ut_passed, ut_failed, ut_skipped);
	return ut_failed == 0 ? 0 : 1;
}
