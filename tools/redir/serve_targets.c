/* redir serve: the --target URLs, checked with the library's grammars. */
#include <stdlib.h>
#include <string.h>

#include "serve.h"

bool serve_target_parse(serve_target *t, const char *url, char *err, size_t err_len,
                        char *warn, size_t warn_len) {
    memset(t, 0, sizeof *t);
    warn[0] = '\0';
    size_t len = strlen(url);
    redir_url u;
    redir_diag d;
    memset(&d, 0, sizeof d);
    redir_status st = redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, (const uint8_t *)url, len);
    if (st != REDIR_OK) {
        snprintf(err, err_len,
                 "--target '%s': MariaDB's redirect_url validator refuses it: %s at offset %zu "
                 "(%s)",
                 url, redir_status_name(st), d.offset, redir_status_message(st));
        return false;
    }
    if (u.num_hosts == 0) {
        snprintf(err, err_len, "--target '': an empty redirect_url means \"no redirect\"");
        return false;
    }
    const redir_url_host *h = &u.hosts[0];
    if (h->host.len == 0 || h->host.len >= sizeof t->host) {
        snprintf(err, err_len, "--target '%s': the host is %s", url,
                 h->host.len == 0 ? "empty" : "too long");
        return false;
    }
    t->url = url;
    memcpy(t->host, h->host.ptr, h->host.len);
    t->port = h->port;
    if (t->port == 0) {
        snprintf(err, err_len, "--target '%s': port 0", url);
        return false;
    }

    /* accepted by the server: say which clients would still not follow */
    redir_compat report[REDIR_IMPL_COUNT];
    redir_compat_report(report, (const uint8_t *)url, len);
    size_t w = 0;
    for (int i = REDIR_IMPL_MARIADB_SERVER + 1; i < REDIR_IMPL_COUNT; i++) {
        if (i == REDIR_IMPL_MYSQLND_AZURE || report[i].accepts) {
            continue; /* mysqlnd-azure reads Location: lines, not URLs */
        }
        int n = snprintf(warn + w, warn_len - w, "%s%s", w == 0 ? "" : ", ",
                         redir_impl_name((redir_impl)i));
        if (n < 0 || (size_t)n >= warn_len - w) {
            break;
        }
        w += (size_t)n;
    }
    if (w > 0) {
        char list[256];
        snprintf(list, sizeof list, "%s", warn);
        snprintf(warn, warn_len, "--target '%s': not followed by %s (see `redir url --compat`)",
                 url, list);
    }
    return true;
}

size_t serve_target_pick(serve_pick pick, size_t num_targets, size_t *rr_next) {
    if (num_targets <= 1) {
        return 0;
    }
    if (pick == SERVE_PICK_ROUND_ROBIN) {
        size_t i = *rr_next % num_targets;
        *rr_next = i + 1;
        return i;
    }
    return (size_t)random() % num_targets;
}
