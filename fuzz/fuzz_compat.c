/* The compatibility report: total, deterministic, consistent with itself and
 * with the server grammar. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redir_compat report[REDIR_IMPL_COUNT];
    redir_compat again[REDIR_IMPL_COUNT];
    memset(report, 0xA5, sizeof report);
    fuzz_lib_enter();
    redir_compat_report(report, (const uint8_t *)data, size);
    redir_compat_report(again, (const uint8_t *)data, size);
    fuzz_lib_leave();
    for (int i = 0; i < REDIR_IMPL_COUNT; i++) {
        const redir_compat *c = &report[i];
        const redir_compat *a = &again[i];
        FUZZ_CHECK(redir_impl_name((redir_impl)i) != NULL);
        FUZZ_CHECK(c->host_len <= REDIR_COMPAT_HOST_MAX);
        FUZZ_CHECK(c->accepts || !c->connects);
        FUZZ_CHECK(c->connects || (c->host_len == 0 && c->port == 0 && !c->host_truncated));
        FUZZ_CHECK(!c->host_truncated || c->host_len == REDIR_COMPAT_HOST_MAX);
        FUZZ_CHECK(c->accepts == a->accepts && c->connects == a->connects &&
                   c->port == a->port && c->host_len == a->host_len &&
                   c->host_truncated == a->host_truncated &&
                   memcmp(c->host, a->host, c->host_len) == 0);
    }
    FUZZ_CHECK(redir_impl_name(REDIR_IMPL_COUNT) == NULL);
    /* the server only validates */
    FUZZ_CHECK(!report[REDIR_IMPL_MARIADB_SERVER].connects);
    redir_url u;
    redir_diag d;
    redir_status st = redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, (const uint8_t *)data, size);
    FUZZ_CHECK(report[REDIR_IMPL_MARIADB_SERVER].accepts == (st == REDIR_OK));
    /* Connector/J and R2DBC share one parser */
    FUZZ_CHECK(report[REDIR_IMPL_CONNECTOR_J].accepts == report[REDIR_IMPL_R2DBC].accepts &&
               report[REDIR_IMPL_CONNECTOR_J].port == report[REDIR_IMPL_R2DBC].port);
    return 0;
}
