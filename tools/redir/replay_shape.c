#include "replay_shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <redir/redir.h>

enum {
    S_FIRST = 0,     /* first packet of a (next) result */
    S_COLS,          /* column definitions */
    S_COLS_EOF,      /* EOF after the column definitions */
    S_ROWS,          /* rows until the terminator */
    S_PREP_PARAMS,   /* prepare: parameter definitions */
    S_PREP_PARAMS_EOF,
    S_PREP_COLS,     /* prepare: column definitions */
    S_PREP_COLS_EOF,
    S_FIELDS,        /* COM_FIELD_LIST definitions */
    S_STATS,         /* COM_STATISTICS text */
    S_AUTH           /* login / change user exchange */
};

#define HDR_OK 0x00
#define HDR_AUTH_MORE 0x01
#define HDR_AUTH_NEXT_FACTOR 0x02
#define HDR_INFILE 0xFB
#define HDR_EOF 0xFE
#define HDR_ERR 0xFF

bool rp_command_has_response(int command) {
    return command != RP_COM_QUIT && command != RP_COM_STMT_CLOSE &&
           command != RP_COM_STMT_SEND_LONG_DATA;
}

void rp_resp_init(rp_resp *r, int command, uint64_t caps) {
    memset(r, 0, sizeof *r);
    r->command = command;
    r->caps = caps;
    switch (command) {
    case RP_CMD_LOGIN:
    case RP_COM_CHANGE_USER:
        r->state = S_AUTH;
        break;
    case RP_COM_STMT_PREPARE:
        r->state = S_FIRST;
        break;
    case RP_COM_FIELD_LIST:
        r->state = S_FIELDS;
        break;
    case RP_COM_STATISTICS:
        r->state = S_STATS;
        break;
    default:
        r->state = S_FIRST;
        break;
    }
    r->done = !rp_command_has_response(command);
}

void rp_resp_free(rp_resp *r) {
    rp_str_free(&r->shape);
}

static void item(rp_resp *r, const char *text) {
    if (r->shape.len > 0) {
        rp_str_add(&r->shape, " ");
    }
    rp_str_add(&r->shape, text);
    r->more_data = false;
}

void rp_resp_note(rp_resp *r, const char *text) {
    item(r, text);
}

const char *rp_resp_shape(const rp_resp *r) {
    return r->shape.len > 0 ? rp_str_cstr(&r->shape) : "(none)";
}

static rp_step finish(rp_resp *r) {
    r->done = true;
    return RP_STEP_DONE;
}

typedef struct name_list {
    char **names;
    size_t len;
} name_list;

static void add_name(name_list *l, const char *prefix, const uint8_t *p, size_t n) {
    rp_str s = {0};
    rp_str_add(&s, prefix);
    rp_str_printable(&s, p, n, 64);
    l->names = rp_xrealloc(l->names, (l->len + 1) * sizeof *l->names);
    l->names[l->len++] = s.s;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* add_track_names appends {name,...} for a session state block. Servers
 * emit the entries in no stable order (MariaDB walks a hash of tracked
 * variables), so the names are sorted. */
static void add_track_names(rp_str *s, redir_span block) {
    static const char *const types[] = {"sysvar", "schema", "state-change", "gtids",
                                        "tx-characteristics", "tx-state"};
    redir_session_iter it;
    redir_session_entry e;
    redir_diag diag;
    redir_status st;
    name_list l = {NULL, 0};
    redir_session_iter_init(&it, block);
    while ((st = redir_session_next(&it, &e, &diag)) == REDIR_OK) {
        if (e.type == REDIR_TRACK_SYSTEM_VARIABLES) {
            redir_span name = e.name;
            redir_span value;
            redir_span rest = e.more_pairs;
            do {
                add_name(&l, "sysvar:", name.ptr, name.len);
            } while (redir_sysvar_next(&rest, &name, &value, &diag) == REDIR_OK);
        } else if (e.type < sizeof types / sizeof types[0]) {
            add_name(&l, types[e.type], NULL, 0);
        } else {
            char t[16];
            snprintf(t, sizeof t, "track-%u", e.type);
            add_name(&l, t, NULL, 0);
        }
    }
    if (st != REDIR_DONE) {
        add_name(&l, "bad-track:", (const uint8_t *)redir_status_name(st),
                 strlen(redir_status_name(st)));
    }
    qsort(l.names, l.len, sizeof *l.names, cmp_names);
    rp_str_add(s, "{");
    for (size_t i = 0; i < l.len; i++) {
        rp_str_addf(s, "%s%s", i > 0 ? "," : "", l.names[i]);
        free(l.names[i]);
    }
    rp_str_add(s, "}");
    free(l.names);
}

/* ok_item adds "NAME{tracks}" for an OK (or OK-as-EOF) packet and returns
 * its status flags (0 when it does not decode). */
static uint16_t ok_item(rp_resp *r, const char *name, const uint8_t *p, size_t n) {
    redir_ok ok;
    redir_diag diag;
    rp_str s = {0};
    rp_str_add(&s, name);
    redir_status st = redir_ok_decode(&ok, &diag, p, n, r->caps);
    if (st != REDIR_OK) {
        rp_str_addf(&s, "(bad:%s)", redir_status_name(st));
        item(r, rp_str_cstr(&s));
        rp_str_free(&s);
        return 0;
    }
    if (ok.has_session_state && ok.session_state.len > 0) {
        add_track_names(&s, ok.session_state);
    }
    item(r, rp_str_cstr(&s));
    rp_str_free(&s);
    return ok.status;
}

static uint16_t eof_item(rp_resp *r, const uint8_t *p, size_t n) {
    redir_eof e;
    redir_diag diag;
    redir_status st = redir_eof_decode(&e, &diag, p, n, r->caps);
    if (st != REDIR_OK) {
        rp_str s = {0};
        rp_str_addf(&s, "eof(bad:%s)", redir_status_name(st));
        item(r, rp_str_cstr(&s));
        rp_str_free(&s);
        return 0;
    }
    item(r, "eof");
    return e.status;
}

/* err_item adds err(CODE,STATE); returns false for a progress report, which
 * is only counted. */
static bool err_item(rp_resp *r, const uint8_t *p, size_t n) {
    redir_err e;
    redir_diag diag;
    rp_str s = {0};
    redir_status st = redir_err_decode(&e, &diag, p, n, r->caps);
    if (st == REDIR_OK && e.is_progress) {
        r->progress++;
        return false;
    }
    if (st != REDIR_OK) {
        rp_str_addf(&s, "err(bad:%s)", redir_status_name(st));
    } else if (e.has_sql_state) {
        rp_str_addf(&s, "err(%u,", e.code);
        rp_str_printable(&s, e.sql_state.ptr, e.sql_state.len, 5);
        rp_str_add(&s, ")");
    } else {
        rp_str_addf(&s, "err(%u)", e.code);
    }
    item(r, rp_str_cstr(&s));
    rp_str_free(&s);
    return true;
}

static void unexpected(rp_resp *r, const uint8_t *p, size_t n) {
    rp_str s = {0};
    if (n == 0) {
        rp_str_add(&s, "unexpected(empty)");
    } else {
        rp_str_addf(&s, "unexpected(0x%02x)", p[0]);
    }
    item(r, rp_str_cstr(&s));
    rp_str_free(&s);
}

/* A result set or response terminator: the library's classifier settles
 * what a 0xFE packet is under the negotiated capabilities. */
static bool is_terminator(const rp_resp *r, const uint8_t *p, size_t n) {
    redir_kind k = redir_classify(REDIR_PHASE_ROWS, r->caps, p, n);
    return k == REDIR_KIND_EOF || k == REDIR_KIND_OK_AS_EOF;
}

/* terminator ends a result set, field list or bare EOF response; true when
 * another result follows. */
static bool terminator(rp_resp *r, const uint8_t *p, size_t n) {
    uint16_t status;
    if ((r->caps & REDIR_CLIENT_DEPRECATE_EOF) != 0 && n >= 7) {
        status = ok_item(r, "ok-as-eof", p, n);
    } else {
        status = eof_item(r, p, n);
    }
    return (status & REDIR_STATUS_MORE_RESULTS_EXISTS) != 0;
}

static bool want_eof(const rp_resp *r) {
    return (r->caps & REDIR_CLIENT_DEPRECATE_EOF) == 0;
}

static rp_step after_result(rp_resp *r, bool more) {
    if (more) {
        r->state = S_FIRST;
        return RP_STEP_MORE;
    }
    return finish(r);
}

/* The definitions of a prepare response: parameters first, then columns. */
static rp_step after_params(rp_resp *r) {
    if (r->cols_left > 0) {
        r->state = S_PREP_COLS;
        return RP_STEP_MORE;
    }
    return finish(r);
}

static rp_step feed_first(rp_resp *r, const uint8_t *p, size_t n) {
    if (n == 0) {
        unexpected(r, p, n);
        return finish(r);
    }
    switch (p[0]) {
    case HDR_ERR:
        return err_item(r, p, n) ? finish(r) : RP_STEP_MORE;
    case HDR_OK:
        if (r->command == RP_COM_STMT_PREPARE) {
            break;
        }
        return after_result(r, (ok_item(r, "ok", p, n) & REDIR_STATUS_MORE_RESULTS_EXISTS) != 0);
    case HDR_INFILE:
        item(r, "local-infile");
        return RP_STEP_UNSUPPORTED;
    default:
        if (is_terminator(r, p, n)) {
            return after_result(r, terminator(r, p, n));
        }
        break;
    }
    if (r->command == RP_COM_STMT_PREPARE) {
        /* 0x00, statement id<4>, columns<2>, parameters<2>, filler, warnings<2> */
        if (p[0] != HDR_OK || n < 9) {
            unexpected(r, p, n);
            return finish(r);
        }
        r->has_stmt_id = true;
        r->stmt_id = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 |
                     (uint32_t)p[4] << 24;
        r->cols_left = (uint64_t)p[5] | (uint64_t)p[6] << 8;
        r->params_left = (uint64_t)p[7] | (uint64_t)p[8] << 8;
        rp_str s = {0};
        rp_str_addf(&s, "prepare-ok(params=%llu,cols=%llu)", (unsigned long long)r->params_left,
                    (unsigned long long)r->cols_left);
        item(r, rp_str_cstr(&s));
        rp_str_free(&s);
        if (r->params_left > 0) {
            r->state = S_PREP_PARAMS;
            return RP_STEP_MORE;
        }
        return after_params(r);
    }
    /* Column count; with MARIADB_CLIENT_CACHE_METADATA a byte may follow
     * telling whether the definitions are sent. */
    uint64_t cols = 0;
    size_t used = 0;
    redir_diag diag;
    if (redir_lenenc_decode(&cols, &used, &diag, p, n) != REDIR_OK || cols == 0) {
        unexpected(r, p, n);
        return finish(r);
    }
    bool metadata = true;
    if (used < n && (r->caps & REDIR_MARIADB_CLIENT_CACHE_METADATA) != 0) {
        metadata = p[used] != 0;
    }
    r->count = cols;
    r->rows = 0;
    r->cols_left = metadata ? cols : 0;
    r->state = metadata ? S_COLS : (want_eof(r) ? S_COLS_EOF : S_ROWS);
    return RP_STEP_MORE;
}

static void rs_item(rp_resp *r) {
    rp_str s = {0};
    rp_str_addf(&s, "rs(cols=%llu,rows=%llu)", (unsigned long long)r->count,
                (unsigned long long)r->rows);
    item(r, rp_str_cstr(&s));
    rp_str_free(&s);
}

static rp_step feed_auth(rp_resp *r, const uint8_t *p, size_t n) {
    if (n == 0) {
        unexpected(r, p, n);
        return finish(r);
    }
    switch (p[0]) {
    case HDR_OK:
        ok_item(r, "ok", p, n);
        return finish(r);
    case HDR_ERR:
        if (!err_item(r, p, n)) {
            return RP_STEP_MORE;
        }
        r->closes = true;
        return finish(r);
    case HDR_EOF: {
        redir_auth_switch sw;
        redir_diag diag;
        if (redir_auth_switch_decode(&sw, &diag, p, n) != REDIR_OK || sw.old_form) {
            item(r, sw.old_form ? "auth-switch-old" : "auth-switch(bad)");
            return RP_STEP_UNSUPPORTED;
        }
        rp_str s = {0};
        rp_str_add(&s, "auth-switch(");
        rp_str_printable(&s, sw.auth_plugin.ptr, sw.auth_plugin.len, 64);
        rp_str_add(&s, ")");
        item(r, rp_str_cstr(&s));
        rp_str_free(&s);
        return RP_STEP_AUTH_SWITCH;
    }
    case HDR_AUTH_MORE:
        if (!r->more_data) {
            item(r, "auth-more-data");
            r->more_data = true;
        }
        return RP_STEP_AUTH_MORE;
    case HDR_AUTH_NEXT_FACTOR:
        if ((r->caps & REDIR_CLIENT_MULTI_FACTOR_AUTH) != 0) {
            item(r, "auth-next-factor");
            return RP_STEP_UNSUPPORTED;
        }
        break;
    default:
        break;
    }
    unexpected(r, p, n);
    return finish(r);
}

rp_step rp_resp_feed(rp_resp *r, const uint8_t *p, size_t n) {
    if (r->done) {
        unexpected(r, p, n);
        return RP_STEP_DONE;
    }
    switch (r->state) {
    case S_AUTH:
        return feed_auth(r, p, n);
    case S_FIRST:
        return feed_first(r, p, n);
    case S_COLS:
        if (n > 0 && p[0] == HDR_ERR) {
            err_item(r, p, n);
            return finish(r);
        }
        if (--r->cols_left == 0) {
            r->state = want_eof(r) ? S_COLS_EOF : S_ROWS;
        }
        return RP_STEP_MORE;
    case S_COLS_EOF:
        if (!is_terminator(r, p, n)) {
            unexpected(r, p, n);
            return finish(r);
        }
        {
            redir_eof e;
            redir_diag diag;
            if (redir_eof_decode(&e, &diag, p, n, r->caps) == REDIR_OK &&
                (e.status & REDIR_STATUS_CURSOR_EXISTS) != 0) {
                rs_item(r);
                item(r, "cursor");
                return finish(r);
            }
        }
        r->state = S_ROWS;
        return RP_STEP_MORE;
    case S_ROWS:
        if (n > 0 && p[0] == HDR_ERR) {
            rs_item(r);
            err_item(r, p, n);
            return finish(r);
        }
        if (is_terminator(r, p, n)) {
            rs_item(r);
            return after_result(r, terminator(r, p, n));
        }
        r->rows++;
        return RP_STEP_MORE;
    case S_PREP_PARAMS:
        if (--r->params_left > 0) {
            return RP_STEP_MORE;
        }
        if (want_eof(r)) {
            r->state = S_PREP_PARAMS_EOF;
            return RP_STEP_MORE;
        }
        return after_params(r);
    case S_PREP_PARAMS_EOF:
        if (!is_terminator(r, p, n)) {
            unexpected(r, p, n);
            return finish(r);
        }
        return after_params(r);
    case S_PREP_COLS:
        if (--r->cols_left > 0) {
            return RP_STEP_MORE;
        }
        if (want_eof(r)) {
            r->state = S_PREP_COLS_EOF;
            return RP_STEP_MORE;
        }
        return finish(r);
    case S_PREP_COLS_EOF:
        if (!is_terminator(r, p, n)) {
            unexpected(r, p, n);
        }
        return finish(r);
    case S_FIELDS:
        if (n > 0 && p[0] == HDR_ERR) {
            err_item(r, p, n);
            return finish(r);
        }
        if (is_terminator(r, p, n)) {
            rp_str s = {0};
            rp_str_addf(&s, "fields(%llu)", (unsigned long long)r->count);
            item(r, rp_str_cstr(&s));
            rp_str_free(&s);
            terminator(r, p, n);
            return finish(r);
        }
        r->count++;
        return RP_STEP_MORE;
    case S_STATS:
        if (n > 0 && p[0] == HDR_ERR) {
            err_item(r, p, n);
        } else {
            item(r, "statistics");
        }
        return finish(r);
    default:
        unexpected(r, p, n);
        return finish(r);
    }
}
