#include <stdio.h>
#include <string.h>

#include "probe.h"

/* put_decoded writes the percent-decoded span into out as a string. */
static int put_decoded(char *out, size_t cap, redir_span in, bool decode, const char *what,
                       char *err, size_t err_len) {
    size_t len = in.len;
    if (decode) {
        redir_diag diag = {0, 0};
        redir_status st = redir_pct_decode((uint8_t *)out, cap - 1, &len, &diag, in);
        if (st != REDIR_OK) {
            snprintf(err, err_len, "the %s does not decode: %s at offset %zu", what,
                     redir_status_message(st), diag.offset);
            return -1;
        }
    } else if (len < cap) {
        memcpy(out, in.ptr, len);
    }
    if (len >= cap || memchr(out, '\0', len) != NULL) {
        snprintf(err, err_len, "the %s is too long or holds a NUL byte", what);
        return -1;
    }
    out[len] = '\0';
    return 0;
}

int probe_target_from_url(probe_target *t, const char *url, char *err, size_t err_len) {
    memset(t, 0, sizeof *t);
    char buf[1024];
    if (strstr(url, "://") == NULL) {
        snprintf(buf, sizeof buf, "mariadb://%s", url);
        url = buf;
    }
    redir_url u;
    redir_diag diag = {0, 0};
    redir_status st = redir_url_parse(&u, &diag, REDIR_GRAMMAR_CONNECTOR, (const uint8_t *)url, strlen(url));
    if (st != REDIR_OK) {
        snprintf(err, err_len, "'%s' is not a URL a connector accepts: %s (%s) at offset %zu",
                 url, redir_status_message(st), redir_status_name(st), diag.offset);
        return -1;
    }
    t->port = u.hosts[0].port;
    if (put_decoded(t->host, sizeof t->host, u.hosts[0].host, true, "host", err, err_len) != 0 ||
        (u.has_user &&
         put_decoded(t->user, sizeof t->user, u.user, true, "user", err, err_len) != 0) ||
        (u.has_password && put_decoded(t->password, sizeof t->password, u.password, true,
                                       "password", err, err_len) != 0)) {
        return -1;
    }
    if (u.has_path && u.database.len > 0) {
        t->has_database = true;
        if (put_decoded(t->database, sizeof t->database, u.database, true, "database", err,
                        err_len) != 0) {
            return -1;
        }
    }
    return 0;
}

int probe_target_from_redirect(probe_target *t, const probe_target *from,
                               const redir_instruction *ins, char *err, size_t err_len) {
    *t = *from;
    /* URLs carry percent-encoded fields; the ERR and Location carriers'
     * hosts and users are plain text. */
    bool url = ins->carrier == REDIR_CARRIER_SESSION_TRACK;
    t->port = ins->port;
    if (put_decoded(t->host, sizeof t->host, ins->host, url, "redirect host", err, err_len) != 0 ||
        (ins->has_user && put_decoded(t->user, sizeof t->user, ins->user, url, "redirect user",
                                      err, err_len) != 0) ||
        (ins->has_password && put_decoded(t->password, sizeof t->password, ins->password, url,
                                          "redirect password", err, err_len) != 0)) {
        return -1;
    }
    if (ins->has_database && ins->database.len > 0) {
        t->has_database = true;
        if (put_decoded(t->database, sizeof t->database, ins->database, url, "redirect database",
                        err, err_len) != 0) {
            return -1;
        }
    }
    return 0;
}

void probe_format_hostport(char *out, size_t out_len, const char *host, uint16_t port) {
    bool v6 = strchr(host, ':') != NULL;
    snprintf(out, out_len, v6 ? "[%s]:%u" : "%s:%u", host, port);
}
