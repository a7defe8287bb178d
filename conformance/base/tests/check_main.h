/* check_main.h - the end of every Check test program's main(): run the suite (fork mode
 * comes from CK_FORK, which ctest sets), exit 0 when every test passed. */
#ifndef SC_CHECK_MAIN_H
#define SC_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int sc_check_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
