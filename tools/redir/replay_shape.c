#include "replay_shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <redir/redir.h>

/* The item under way, for the parts of a response that make one item. */
enum {
    I_NONE = 0,
    I_RS_DEFS,  /* column count seen: definitions (and their EOF) */
    I_RS_ROWS,  /* rows */
    I_FIELDS    /* COM_FIELD_LIST definitions */
};

bool rp_command_has_response(int command) {
    return command != REDIR_COM_QUIT && command != REDIR_COM_STMT_CLOSE &&
           command != REDIR_COM_STMT_SEND_LONG_DATA;
}

void rp_resp_init(rp_resp *r, int command, uint64_t caps) {
    memset(r, 0, sizeof *r);
    r->command = command;
    r->caps = caps;
    redir_resp_init(&r->tracker, caps);
    /* Only the command byte is known here. The login exchange is answered
     * like COM_CHANGE_USER (auth switch and more data, then OK or ERR), and
     * COM_STMT_EXECUTE is followed as if it asked for a cursor: the server's
     * SERVER_STATUS_CURSOR_EXISTS says whether one was opened. */
    uint8_t cmd[10] = {command == RP_CMD_LOGIN ? REDIR_COM_CHANGE_USER : (uint8_t)command};
    size_t cmd_len = 1;
    if (command == REDIR_COM_STMT_EXECUTE) {
        cmd[5] = REDIR_CURSOR_TYPE_READ_ONLY;
        cmd_len = sizeof cmd;
    }
    redir_resp_event ev;
    if (redir_resp_command(&r->tracker, &ev, NULL, cmd, cmd_len) != REDIR_OK || ev.complete) {
        r->done = true;
    }
    if (command == REDIR_COM_FIELD_LIST) {
        r->item = I_FIELDS;
    }
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

/* ok_item adds "NAME{tracks}" for an OK (or OK-as-EOF) packet. */
static void ok_item(rp_resp *r, const char *name, const redir_ok *ok) {
    rp_str s = {0};
    rp_str_add(&s, name);
    if (ok->has_session_state && ok->session_state.len > 0) {
        add_track_names(&s, ok->session_state);
    }
    item(r, rp_str_cstr(&s));
    rp_str_free(&s);
}

/* err_item adds err(CODE,STATE). */
static void err_item(rp_resp *r, const redir_err *e) {
    rp_str s = {0};
    if (e->has_sql_state) {
        rp_str_addf(&s, "err(%u,", e->code);
        rp_str_printable(&s, e->sql_state.ptr, e->sql_state.len, 5);
        rp_str_add(&s, ")");
    } else {
        rp_str_addf(&s, "err(%u)", e->code);
    }
    item(r, rp_str_cstr(&s));
    rp_str_free(&s);
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

static void rs_item(rp_resp *r) {
    rp_str s = {0};
    rp_str_addf(&s, "rs(cols=%llu,rows=%llu)", (unsigned long long)r->count,
                (unsigned long long)r->rows);
    item(r, rp_str_cstr(&s));
    rp_str_free(&s);
}


static bool auth_exchange(const rp_resp *r) {
    return r->command == RP_CMD_LOGIN || r->command == REDIR_COM_CHANGE_USER;
}

/* terminator_item names an EOF or OK-as-EOF ending rows, a field list or a
 * whole response. */
static void terminator_item(rp_resp *r, const redir_resp_event *ev) {
    if (r->item == I_RS_DEFS || r->item == I_RS_ROWS) {
        rs_item(r);
    } else if (r->item == I_FIELDS) {
        rp_str s = {0};
        rp_str_addf(&s, "fields(%llu)", (unsigned long long)r->count);
        item(r, rp_str_cstr(&s));
        rp_str_free(&s);
    }
    if (ev->kind == REDIR_RESP_OK_AS_EOF) {
        ok_item(r, "ok-as-eof", &ev->ok);
    } else {
        item(r, "eof");
    }
    r->item = I_NONE;
}

static void auth_switch_item(rp_resp *r, const redir_resp_event *ev) {
    redir_auth_switch sw;
    redir_diag diag;
    if (redir_auth_switch_decode(&sw, &diag, ev->data.ptr, ev->data.len) != REDIR_OK) {
        item(r, "auth-switch(bad)");
        return;
    }
    if (sw.old_form) {
        item(r, "auth-switch-old");
        return;
    }
    rp_str s = {0};
    rp_str_add(&s, "auth-switch(");
    rp_str_printable(&s, sw.auth_plugin.ptr, sw.auth_plugin.len, 64);
    rp_str_add(&s, ")");
    item(r, rp_str_cstr(&s));
    rp_str_free(&s);
}

/* event_item turns one classified payload into shape items; it returns the
 * step unless the response simply goes on. */
static rp_step event_item(rp_resp *r, const redir_resp_event *ev) {
    switch (ev->kind) {
    case REDIR_RESP_OK:
        ok_item(r, "ok", &ev->ok);
        break;
    case REDIR_RESP_ERR:
        if (r->item == I_RS_ROWS) {
            rs_item(r);
        }
        err_item(r, &ev->err);
        r->closes = r->closes || auth_exchange(r);
        r->item = I_NONE;
        break;
    case REDIR_RESP_PROGRESS:
        r->progress++;
        return RP_STEP_MORE;
    case REDIR_RESP_EOF:
    case REDIR_RESP_OK_AS_EOF:
        if (ev->cursor) {
            rs_item(r);
            item(r, "cursor");
            r->item = I_NONE;
        } else if (r->item == I_RS_DEFS && ev->kind == REDIR_RESP_EOF && !ev->complete &&
                   !ev->more_results) {
            r->item = I_RS_ROWS; /* the EOF after the definitions */
            return RP_STEP_MORE;
        } else if (r->command != REDIR_COM_STMT_PREPARE) {
            terminator_item(r, ev);
        }
        break;
    case REDIR_RESP_COLUMN_COUNT:
        r->count = ev->column_count.count;
        r->rows = 0;
        r->item = I_RS_DEFS;
        return RP_STEP_MORE;
    case REDIR_RESP_COLUMN_DEF:
        if (r->item == I_FIELDS) {
            r->count++;
        }
        break;
    case REDIR_RESP_ROW:
        r->item = I_RS_ROWS;
        r->rows++;
        break;
    case REDIR_RESP_PREPARE_OK: {
        rp_str s = {0};
        rp_str_addf(&s, "prepare-ok(params=%u,cols=%u)", ev->prepare_ok.num_params,
                    ev->prepare_ok.num_columns);
        item(r, rp_str_cstr(&s));
        rp_str_free(&s);
        r->has_stmt_id = true;
        r->stmt_id = ev->prepare_ok.statement_id;
        break;
    }
    case REDIR_RESP_STATISTICS:
        item(r, "statistics");
        break;
    case REDIR_RESP_LOCAL_INFILE:
        item(r, "local-infile");
        return RP_STEP_UNSUPPORTED;
    case REDIR_RESP_AUTH_SWITCH:
        auth_switch_item(r, ev);
        return ev->data.len == 1 ? RP_STEP_UNSUPPORTED : RP_STEP_AUTH_SWITCH;
    case REDIR_RESP_AUTH_MORE_DATA:
        if (!r->more_data) {
            item(r, "auth-more-data");
            r->more_data = true;
        }
        return RP_STEP_AUTH_MORE;
    case REDIR_RESP_AUTH_NEXT_FACTOR:
        item(r, "auth-next-factor");
        return RP_STEP_UNSUPPORTED;
    default:
        break;
    }
    return ev->complete ? finish(r) : RP_STEP_MORE;
}

/* rejected names a payload the tracker could not place: an ERR or OK that
 * does not decode, or anything the response cannot contain. */
static void rejected(rp_resp *r, redir_status st, const uint8_t *p, size_t n) {
    rp_str s = {0};
    if (n > 0 && (p[0] == 0xFF || (p[0] == 0x00 && st != REDIR_E_RESP_UNEXPECTED &&
                                   st < REDIR_E_RESP_QUEUE_FULL))) {
        rp_str_addf(&s, "%s(bad:%s)", p[0] == 0xFF ? "err" : "ok", redir_status_name(st));
        item(r, rp_str_cstr(&s));
    } else {
        unexpected(r, p, n);
    }
    rp_str_free(&s);
}

rp_step rp_resp_feed(rp_resp *r, const uint8_t *p, size_t n) {
    if (r->done) {
        unexpected(r, p, n);
        return RP_STEP_DONE;
    }
    redir_resp_event ev;
    redir_status st = REDIR_OK;
    if (redir_resp_awaiting_client(&r->tracker)) {
        /* The client's answer to an auth switch is not part of the shape. */
        st = redir_resp_command(&r->tracker, &ev, NULL, NULL, 0);
    }
    if (st == REDIR_OK) {
        st = redir_resp_feed(&r->tracker, &ev, NULL, p, n);
    }
    if (st != REDIR_OK) {
        rejected(r, st, p, n);
        return finish(r);
    }
    if (ev.kind != REDIR_RESP_AUTH_MORE_DATA) {
        r->more_data = false;
    }
    return event_item(r, &ev);
}
