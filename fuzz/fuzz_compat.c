/* The compatibility report: total, and consistent with the server grammar. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_compat report[REDIR_IMPL_COUNT];
    fuzz_lib_enter();
    redir_compat_report(report, (const char *)data, size);
    fuzz_lib_leave();
    for (int i = 0; i < REDIR_IMPL_COUNT; i++) {
        FUZZ_CHECK(redir_impl_name((redir_impl)i) != NULL);
        FUZZ_CHECK(report[i].host_len <= REDIR_COMPAT_HOST_MAX);
        FUZZ_CHECK(report[i].accepts || !report[i].connects);
    }
    redir_url u;
    redir_diag d;
    redir_status st = redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, (const char *)data, size);
    FUZZ_CHECK(report[REDIR_IMPL_MARIADB_SERVER].accepts == (st == REDIR_OK));
    return 0;
}
