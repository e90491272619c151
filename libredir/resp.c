#include "command_internal.h"

/* Where the response at the head of the queue stands. */
enum {
    ST_NONE = 0,     /* nothing outstanding */
    ST_FIRST,        /* first payload of a (next) result */
    ST_DEFS,         /* column definitions of a result set */
    ST_DEFS_EOF,     /* the EOF after them */
    ST_ROWS,         /* rows until a terminator */
    ST_PREP_PARAMS,  /* parameter definitions after a prepare-OK */
    ST_PREP_PARAMS_EOF,
    ST_PREP_COLS,    /* column definitions after the parameters */
    ST_PREP_COLS_EOF,
    ST_FIELDS,       /* COM_FIELD_LIST definitions until EOF */
    ST_STATS,        /* COM_STATISTICS text */
    ST_AUTH_START,   /* COM_CHANGE_USER sent, nothing answered yet */
    ST_AUTH,         /* inside the exchange: the client may answer */
    ST_AUTH_CLIENT,  /* the client owes an answer to an auth switch */
    ST_INFILE,       /* the client owes LOCAL INFILE contents */
    ST_FETCH,        /* COM_STMT_FETCH rows */
    ST_BINLOG        /* binlog events */
};

#define F_CURSOR 0x01  /* COM_STMT_EXECUTE asked for a cursor */
#define F_UNKNOWN 0x02 /* the command was not seen */

#define CURSOR_MASK (REDIR_CURSOR_TYPE_READ_ONLY | REDIR_CURSOR_TYPE_FOR_UPDATE | \
                     REDIR_CURSOR_TYPE_SCROLLABLE)
#define EOF_MAX_LEN 9
#define PREPARE_OK_LEN 12

static const uint64_t progress_caps = REDIR_MARIADB_CLIENT_PROGRESS | REDIR_CLIENT_PROGRESS_OBSOLETE;

void redir_resp_init(redir_resp_tracker *t, uint64_t caps) {
    memset(t, 0, sizeof *t);
    t->caps = caps;
}

void redir_resp_set_caps(redir_resp_tracker *t, uint64_t caps) { t->caps = caps; }

size_t redir_resp_pending(const redir_resp_tracker *t) { return t->len; }

bool redir_resp_awaiting_client(const redir_resp_tracker *t) {
    return t->state == ST_AUTH_CLIENT || t->state == ST_INFILE;
}

static const redir_resp_entry_ *head(const redir_resp_tracker *t) { return &t->queue[t->head]; }

static int initial_state(uint8_t command, uint8_t flags) {
    if ((flags & F_UNKNOWN) != 0) {
        return ST_FIRST;
    }
    switch (command) {
    case REDIR_COM_FIELD_LIST:
        return ST_FIELDS;
    case REDIR_COM_STATISTICS:
        return ST_STATS;
    case REDIR_COM_CHANGE_USER:
        return ST_AUTH_START;
    case REDIR_COM_STMT_FETCH:
        return ST_FETCH;
    case REDIR_COM_BINLOG_DUMP:
    case REDIR_COM_BINLOG_DUMP_GTID:
        return ST_BINLOG;
    default:
        return ST_FIRST;
    }
}

static void start_head(redir_resp_tracker *t) {
    t->columns = 0;
    t->left = 0;
    t->rows = 0;
    t->binary = false;
    t->state = t->len > 0 ? initial_state(head(t)->command, head(t)->flags) : ST_NONE;
}

static redir_status push(redir_resp_tracker *t, redir_diag *diag, uint8_t command,
                         uint8_t flags) {
    if (t->len == REDIR_RESP_QUEUE_CAP) {
        return rd_fail(diag, REDIR_E_RESP_QUEUE_FULL, 0, 0);
    }
    redir_resp_entry_ *e = &t->queue[(t->head + t->len) % REDIR_RESP_QUEUE_CAP];
    e->command = command;
    e->flags = flags;
    t->len++;
    t->sent++;
    if (t->len == 1) {
        start_head(t);
    }
    return REDIR_OK;
}

static void pop(redir_resp_tracker *t) {
    t->head = (t->head + 1) % REDIR_RESP_QUEUE_CAP;
    t->len--;
    start_head(t);
}

static void complete(redir_resp_tracker *t, redir_resp_event *ev) {
    ev->complete = true;
    t->completed++;
    pop(t);
}

void redir_resp_abandon(redir_resp_tracker *t) {
    if (t->len > 0) {
        t->completed++;
        pop(t);
    }
}

void redir_resp_reset(redir_resp_tracker *t) {
    t->completed += t->len;
    t->len = 0;
    t->head = 0;
    start_head(t);
}

redir_status redir_resp_expect_unknown(redir_resp_tracker *t, redir_diag *diag) {
    if (t->closed) {
        return rd_fail(diag, REDIR_E_RESP_UNEXPECTED, 0, 0);
    }
    return push(t, diag, 0, F_UNKNOWN);
}

static bool no_response(uint8_t command) {
    return command == REDIR_COM_QUIT || command == REDIR_COM_STMT_CLOSE ||
           command == REDIR_COM_STMT_SEND_LONG_DATA;
}

static redir_status client_payload(redir_resp_tracker *t, redir_resp_event *ev,
                                   redir_diag *diag, const uint8_t *p, size_t n) {
    ev->data = redir_span_of(p, n);
    if (t->state == ST_INFILE) {
        ev->command = head(t)->command;
        if (n == 0) {
            ev->kind = REDIR_RESP_INFILE_END;
            t->state = ST_FIRST;
        } else {
            ev->kind = REDIR_RESP_INFILE_DATA;
        }
        return REDIR_OK;
    }
    if (t->state == ST_AUTH || t->state == ST_AUTH_CLIENT) {
        ev->kind = REDIR_RESP_AUTH_DATA;
        ev->command = REDIR_COM_CHANGE_USER;
        t->state = ST_AUTH;
        return REDIR_OK;
    }
    if (n == 0) {
        return rd_fail(diag, REDIR_E_EMPTY_PACKET, 0, 0);
    }
    if (t->closed) {
        return rd_fail(diag, REDIR_E_RESP_UNEXPECTED, 0, 0);
    }
    uint8_t c = p[0];
    ev->kind = REDIR_RESP_COMMAND;
    ev->command = c;
    ev->data = redir_span_of(p + 1, n - 1);
    if (no_response(c)) {
        ev->complete = true;
        t->closed = c == REDIR_COM_QUIT;
        return REDIR_OK;
    }
    uint8_t flags = 0;
    /* The cursor type is the byte after the statement id. */
    if (c == REDIR_COM_STMT_EXECUTE && n > 5 && (p[5] & CURSOR_MASK) != 0) {
        flags |= F_CURSOR;
    }
    return push(t, diag, c, flags);
}

redir_status redir_resp_command(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                                const uint8_t *payload, size_t len) {
    redir_resp_tracker tmp = *t;
    memset(ev, 0, sizeof *ev);
    ev->command_known = true;
    redir_status st = client_payload(&tmp, ev, diag, payload, len);
    if (st != REDIR_OK) {
        memset(ev, 0, sizeof *ev);
        return st;
    }
    *t = tmp;
    ev->pending = t->len;
    return REDIR_OK;
}

/* ------------------------------------------------------------------ server */

static bool deprecate_eof(const redir_resp_tracker *t) {
    return (t->caps & REDIR_CLIENT_DEPRECATE_EOF) != 0;
}

static uint8_t cmd_of(const redir_resp_tracker *t) { return head(t)->command; }

static bool unknown_cmd(const redir_resp_tracker *t) { return (head(t)->flags & F_UNKNOWN) != 0; }

static bool is_cmd(const redir_resp_tracker *t, uint8_t c) {
    return !unknown_cmd(t) && cmd_of(t) == c;
}

/* A 0xFE payload that ends rows or a response under the negotiated caps. */
static bool is_terminator(const redir_resp_tracker *t, const uint8_t *p, size_t n) {
    if (p[0] != 0xFE) {
        return false;
    }
    return deprecate_eof(t) ? n < REDIR_MAX_PACKET_PAYLOAD : n < EOF_MAX_LEN;
}

static redir_status decode_terminator(redir_resp_tracker *t, redir_resp_event *ev,
                                      redir_diag *diag, const uint8_t *p, size_t n) {
    redir_status st;
    if (deprecate_eof(t)) {
        ev->kind = REDIR_RESP_OK_AS_EOF;
        if ((st = redir_ok_decode(&ev->ok, diag, p, n, t->caps)) != REDIR_OK) {
            return st;
        }
        ev->has_status = ev->ok.has_status;
        ev->status = ev->ok.status;
    } else {
        ev->kind = REDIR_RESP_EOF;
        if ((st = redir_eof_decode(&ev->eof, diag, p, n, t->caps)) != REDIR_OK) {
            return st;
        }
        ev->has_status = ev->eof.has_fields;
        ev->status = ev->eof.status;
    }
    ev->more_results = (ev->status & REDIR_STATUS_MORE_RESULTS_EXISTS) != 0;
    return REDIR_OK;
}

/* end_result finishes one result: the response goes on when more follow. */
static void end_result(redir_resp_tracker *t, redir_resp_event *ev) {
    if (ev->more_results) {
        t->state = ST_FIRST;
        t->rows = 0;
        return;
    }
    complete(t, ev);
}

static redir_status decode_err(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                               const uint8_t *p, size_t n, bool progress_ok) {
    redir_status st = redir_err_decode(&ev->err, diag, p, n, t->caps);
    if (st != REDIR_OK) {
        return st;
    }
    if (ev->err.is_progress) {
        if (!progress_ok || (t->caps & progress_caps) == 0) {
            return rd_fail(diag, REDIR_E_RESP_UNEXPECTED, 0, 0);
        }
        ev->kind = REDIR_RESP_PROGRESS;
        return REDIR_OK;
    }
    ev->kind = REDIR_RESP_ERR;
    complete(t, ev);
    return REDIR_OK;
}

static void after_defs(redir_resp_tracker *t) {
    t->rows = 0;
    t->state = deprecate_eof(t) ? ST_ROWS : ST_DEFS_EOF;
}

static void after_params(redir_resp_tracker *t, redir_resp_event *ev) {
    if (t->prep_columns > 0 && t->prep_metadata) {
        t->state = ST_PREP_COLS;
        t->columns = t->prep_columns;
        t->left = t->prep_columns;
        return;
    }
    complete(t, ev);
}

static bool result_set_command(const redir_resp_tracker *t) {
    if (unknown_cmd(t)) {
        return true;
    }
    switch (cmd_of(t)) {
    case REDIR_COM_QUERY:
    case REDIR_COM_STMT_EXECUTE:
    case REDIR_COM_STMT_BULK_EXECUTE:
    case REDIR_COM_PROCESS_INFO:
        return true;
    default:
        return false;
    }
}

/* looks_prepare_ok: for a response whose command is unknown, a 12- or
 * 13-byte 0x00 payload with a zero reserved byte that is no OK. */
static bool looks_prepare_ok(const redir_resp_tracker *t, const uint8_t *p, size_t n) {
    redir_ok ok;
    return (n == PREPARE_OK_LEN || n == PREPARE_OK_LEN + 1) && p[9] == 0 &&
           redir_ok_decode(&ok, NULL, p, n, t->caps) != REDIR_OK;
}

static redir_status feed_prepare_ok(redir_resp_tracker *t, redir_resp_event *ev,
                                    redir_diag *diag, const uint8_t *p, size_t n) {
    redir_status st = redir_prepare_ok_decode(&ev->prepare_ok, diag, p, n, t->caps);
    if (st != REDIR_OK) {
        return st;
    }
    ev->kind = REDIR_RESP_PREPARE_OK;
    const redir_prepare_ok *po = &ev->prepare_ok;
    t->prep_columns = po->num_columns;
    t->prep_metadata = !(po->has_metadata_follows && po->metadata_follows == 0);
    if (po->num_params > 0 && t->prep_metadata) {
        t->state = ST_PREP_PARAMS;
        t->columns = po->num_params;
        t->left = po->num_params;
        return REDIR_OK;
    }
    after_params(t, ev);
    return REDIR_OK;
}

static redir_status feed_first(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                               const uint8_t *p, size_t n) {
    redir_status st;
    switch (p[0]) {
    case 0xFF:
        return decode_err(t, ev, diag, p, n, true);
    case 0x00:
        if (is_cmd(t, REDIR_COM_STMT_PREPARE) || (unknown_cmd(t) && looks_prepare_ok(t, p, n))) {
            return feed_prepare_ok(t, ev, diag, p, n);
        }
        if ((st = redir_ok_decode(&ev->ok, diag, p, n, t->caps)) != REDIR_OK) {
            return st;
        }
        ev->kind = REDIR_RESP_OK;
        ev->has_status = ev->ok.has_status;
        ev->status = ev->ok.status;
        ev->more_results = (ev->status & REDIR_STATUS_MORE_RESULTS_EXISTS) != 0;
        end_result(t, ev);
        return REDIR_OK;
    case 0xFB:
        if (!is_cmd(t, REDIR_COM_QUERY) && !is_cmd(t, REDIR_COM_STMT_EXECUTE) &&
            !unknown_cmd(t)) {
            break;
        }
        ev->kind = REDIR_RESP_LOCAL_INFILE;
        ev->data = redir_span_of(p + 1, n - 1);
        t->state = ST_INFILE;
        return REDIR_OK;
    default:
        if (is_terminator(t, p, n)) {
            if ((st = decode_terminator(t, ev, diag, p, n)) != REDIR_OK) {
                return st;
            }
            end_result(t, ev);
            return REDIR_OK;
        }
        break;
    }
    if (!result_set_command(t) || p[0] == 0xFB) {
        return rd_fail(diag, REDIR_E_RESP_UNEXPECTED, 0, 0);
    }
    if ((st = redir_column_count_decode(&ev->column_count, diag, p, n, t->caps)) != REDIR_OK) {
        return st;
    }
    ev->kind = REDIR_RESP_COLUMN_COUNT;
    t->columns = ev->column_count.count;
    t->binary = is_cmd(t, REDIR_COM_STMT_EXECUTE) || is_cmd(t, REDIR_COM_STMT_BULK_EXECUTE);
    bool metadata = !(ev->column_count.has_metadata_follows && ev->column_count.metadata_follows == 0);
    if (metadata) {
        t->state = ST_DEFS;
        t->left = t->columns;
    } else {
        after_defs(t);
    }
    return REDIR_OK;
}

/* feed_def takes one column or parameter definition while some are due. */
static redir_status feed_def(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                             const uint8_t *p, size_t n, redir_resp_kind kind) {
    if (p[0] == 0xFF) {
        return decode_err(t, ev, diag, p, n, false);
    }
    if (p[0] == 0xFE && n < EOF_MAX_LEN) {
        return rd_fail(diag, REDIR_E_RESP_COLUMN_MISMATCH, 0, 0);
    }
    redir_diag d = {0, 0};
    if (redir_column_def_decode(&ev->column, &d, p, n, t->caps) != REDIR_OK) {
        return rd_fail(diag, REDIR_E_RESP_COLUMN_MISMATCH, d.offset, 0);
    }
    ev->kind = kind;
    ev->index = t->columns - t->left;
    t->left--;
    return REDIR_OK;
}

/* feed_list_eof takes the EOF that ends a definition list. */
static redir_status feed_list_eof(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                                  const uint8_t *p, size_t n) {
    if (p[0] == 0xFF) {
        return decode_err(t, ev, diag, p, n, false);
    }
    if (!(p[0] == 0xFE && n < EOF_MAX_LEN)) {
        return rd_fail(diag, REDIR_E_RESP_COLUMN_MISMATCH, 0, 0);
    }
    redir_status st = redir_eof_decode(&ev->eof, diag, p, n, t->caps);
    if (st != REDIR_OK) {
        return st;
    }
    ev->kind = REDIR_RESP_EOF;
    ev->has_status = ev->eof.has_fields;
    ev->status = ev->eof.status;
    return REDIR_OK;
}

/* check_text_row: exactly `columns` values, each a lenenc string or NULL. */
static redir_status check_text_row(const redir_resp_tracker *t, redir_diag *diag,
                                   const uint8_t *p, size_t n) {
    rd r = rd_init(p, n);
    for (uint64_t i = 0; i < t->columns; i++) {
        if (rd_left(&r) == 0) {
            return rd_fail(diag, REDIR_E_RESP_ROW_MISMATCH, r.pos, 0);
        }
        if (p[r.pos] == 0xFB) {
            r.pos++;
            continue;
        }
        redir_span s;
        if (rd_lenenc_str(&r, &s, NULL) != REDIR_OK) {
            return rd_fail(diag, REDIR_E_RESP_ROW_MISMATCH, r.pos, 0);
        }
    }
    if (rd_left(&r) > 0) {
        return rd_fail(diag, REDIR_E_RESP_ROW_MISMATCH, r.pos, 0);
    }
    return REDIR_OK;
}

/* check_binary_row: header 0x00 and a NULL bitmap for the columns (offset 2). */
static redir_status check_binary_row(const redir_resp_tracker *t, redir_diag *diag,
                                     const uint8_t *p, size_t n) {
    if (p[0] != 0x00) {
        return rd_fail(diag, REDIR_E_RESP_ROW_MISMATCH, 0, 0);
    }
    uint64_t bitmap = (t->columns + 7 + 2) / 8;
    if ((uint64_t)(n - 1) < bitmap) {
        return rd_fail(diag, REDIR_E_RESP_ROW_MISMATCH, n, 0);
    }
    return REDIR_OK;
}

static redir_status feed_rows(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                              const uint8_t *p, size_t n) {
    redir_status st;
    if (p[0] == 0xFF) {
        return decode_err(t, ev, diag, p, n, false);
    }
    /* A binary row starts with 0x00, so any 0xFE ends binary rows. */
    if (is_terminator(t, p, n) || (t->binary && p[0] == 0xFE)) {
        if ((st = decode_terminator(t, ev, diag, p, n)) != REDIR_OK) {
            return st;
        }
        ev->cursor = t->rows == 0 && is_cmd(t, REDIR_COM_STMT_EXECUTE) &&
                     (head(t)->flags & F_CURSOR) != 0 &&
                     (ev->status & REDIR_STATUS_CURSOR_EXISTS) != 0 && !ev->more_results;
        end_result(t, ev);
        return REDIR_OK;
    }
    /* Rows of a response whose command was not seen may be text or binary. */
    if (!unknown_cmd(t)) {
        st = t->binary ? check_binary_row(t, diag, p, n) : check_text_row(t, diag, p, n);
        if (st != REDIR_OK) {
            return st;
        }
    }
    ev->kind = REDIR_RESP_ROW;
    ev->binary = t->binary;
    ev->data = redir_span_of(p, n);
    ev->index = t->rows++;
    return REDIR_OK;
}

static redir_status feed_fields(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                                const uint8_t *p, size_t n) {
    redir_status st;
    if (p[0] == 0xFF) {
        return decode_err(t, ev, diag, p, n, false);
    }
    redir_kind k = redir_classify(REDIR_PHASE_COLUMNS, t->caps, p, n);
    if (k == REDIR_KIND_EOF || k == REDIR_KIND_OK_AS_EOF) {
        if ((st = decode_terminator(t, ev, diag, p, n)) != REDIR_OK) {
            return st;
        }
        ev->more_results = false;
        complete(t, ev);
        return REDIR_OK;
    }
    if ((st = redir_column_def_decode(&ev->column, diag, p, n, t->caps)) != REDIR_OK) {
        return st;
    }
    ev->kind = REDIR_RESP_COLUMN_DEF;
    ev->index = t->left++;
    return REDIR_OK;
}

static redir_status feed_auth(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                              const uint8_t *p, size_t n) {
    redir_status st;
    ev->data = redir_span_of(p, n);
    switch (p[0]) {
    case 0x00:
        if ((st = redir_ok_decode(&ev->ok, diag, p, n, t->caps)) != REDIR_OK) {
            return st;
        }
        ev->kind = REDIR_RESP_OK;
        ev->has_status = ev->ok.has_status;
        ev->status = ev->ok.status;
        complete(t, ev);
        return REDIR_OK;
    case 0xFF:
        return decode_err(t, ev, diag, p, n, false);
    case 0xFE: {
        redir_auth_switch sw;
        if ((st = redir_auth_switch_decode(&sw, diag, p, n)) != REDIR_OK) {
            return st;
        }
        ev->kind = REDIR_RESP_AUTH_SWITCH;
        t->state = ST_AUTH_CLIENT;
        return REDIR_OK;
    }
    case 0x01:
        ev->kind = REDIR_RESP_AUTH_MORE_DATA;
        t->state = ST_AUTH;
        return REDIR_OK;
    case 0x02:
        if ((t->caps & REDIR_CLIENT_MULTI_FACTOR_AUTH) == 0) {
            break;
        }
        ev->kind = REDIR_RESP_AUTH_NEXT_FACTOR;
        t->state = ST_AUTH_CLIENT;
        return REDIR_OK;
    default:
        break;
    }
    return rd_fail(diag, REDIR_E_RESP_UNEXPECTED, 0, 0);
}

static redir_status feed_fetch(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                               const uint8_t *p, size_t n) {
    redir_status st;
    switch (p[0]) {
    case 0xFF:
        return decode_err(t, ev, diag, p, n, false);
    case 0xFE:
        if ((st = decode_terminator(t, ev, diag, p, n)) != REDIR_OK) {
            return st;
        }
        ev->more_results = false;
        complete(t, ev);
        return REDIR_OK;
    case 0x00:
        ev->kind = REDIR_RESP_ROW;
        ev->binary = true;
        ev->data = redir_span_of(p, n);
        ev->index = t->rows++;
        return REDIR_OK;
    default:
        return rd_fail(diag, REDIR_E_RESP_UNEXPECTED, 0, 0);
    }
}

static redir_status feed_binlog(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                                const uint8_t *p, size_t n) {
    redir_status st;
    if (p[0] == 0xFF) {
        return decode_err(t, ev, diag, p, n, false);
    }
    if (p[0] == 0x00) {
        ev->kind = REDIR_RESP_BINLOG_EVENT;
        ev->data = redir_span_of(p + 1, n - 1);
        return REDIR_OK;
    }
    if (p[0] == 0xFE && n < EOF_MAX_LEN) {
        if ((st = decode_terminator(t, ev, diag, p, n)) != REDIR_OK) {
            return st;
        }
        ev->more_results = false;
        complete(t, ev);
        return REDIR_OK;
    }
    return rd_fail(diag, REDIR_E_RESP_UNEXPECTED, 0, 0);
}

static redir_status server_payload(redir_resp_tracker *t, redir_resp_event *ev,
                                   redir_diag *diag, const uint8_t *p, size_t n) {
    redir_status st;
    if (t->len == 0) {
        return rd_fail(diag, REDIR_E_RESP_UNEXPECTED, 0, 0);
    }
    if (n == 0) {
        return rd_fail(diag, REDIR_E_EMPTY_PACKET, 0, 0);
    }
    ev->command = cmd_of(t);
    ev->command_known = !unknown_cmd(t);
    switch (t->state) {
    case ST_FIRST:
        return feed_first(t, ev, diag, p, n);
    case ST_DEFS:
        if ((st = feed_def(t, ev, diag, p, n, REDIR_RESP_COLUMN_DEF)) == REDIR_OK &&
            ev->kind == REDIR_RESP_COLUMN_DEF && t->left == 0) {
            after_defs(t);
        }
        return st;
    case ST_DEFS_EOF:
        if (deprecate_eof(t)) { /* set since the definitions ended: no EOF follows */
            t->state = ST_ROWS;
            return feed_rows(t, ev, diag, p, n);
        }
        if ((st = feed_list_eof(t, ev, diag, p, n)) != REDIR_OK || ev->kind != REDIR_RESP_EOF) {
            return st;
        }
        if ((head(t)->flags & F_CURSOR) != 0 && (ev->status & REDIR_STATUS_CURSOR_EXISTS) != 0) {
            ev->cursor = true;
            complete(t, ev);
            return REDIR_OK;
        }
        t->state = ST_ROWS;
        return REDIR_OK;
    case ST_ROWS:
        return feed_rows(t, ev, diag, p, n);
    case ST_PREP_PARAMS:
        if ((st = feed_def(t, ev, diag, p, n, REDIR_RESP_PARAM_DEF)) == REDIR_OK &&
            ev->kind == REDIR_RESP_PARAM_DEF && t->left == 0) {
            if (deprecate_eof(t)) {
                after_params(t, ev);
            } else {
                t->state = ST_PREP_PARAMS_EOF;
            }
        }
        return st;
    case ST_PREP_PARAMS_EOF:
        if (deprecate_eof(t) && t->prep_columns > 0 && t->prep_metadata) {
            after_params(t, ev);
            return server_payload(t, ev, diag, p, n);
        }
        if ((st = feed_list_eof(t, ev, diag, p, n)) == REDIR_OK && ev->kind == REDIR_RESP_EOF) {
            after_params(t, ev);
        }
        return st;
    case ST_PREP_COLS:
        if ((st = feed_def(t, ev, diag, p, n, REDIR_RESP_COLUMN_DEF)) == REDIR_OK &&
            ev->kind == REDIR_RESP_COLUMN_DEF && t->left == 0) {
            if (deprecate_eof(t)) {
                complete(t, ev);
            } else {
                t->state = ST_PREP_COLS_EOF;
            }
        }
        return st;
    case ST_PREP_COLS_EOF:
        if ((st = feed_list_eof(t, ev, diag, p, n)) == REDIR_OK && ev->kind == REDIR_RESP_EOF) {
            complete(t, ev);
        }
        return st;
    case ST_FIELDS:
        return feed_fields(t, ev, diag, p, n);
    case ST_STATS:
        if (p[0] == 0xFF) {
            return decode_err(t, ev, diag, p, n, false);
        }
        ev->kind = REDIR_RESP_STATISTICS;
        ev->data = redir_span_of(p, n);
        complete(t, ev);
        return REDIR_OK;
    case ST_AUTH_START:
    case ST_AUTH:
        return feed_auth(t, ev, diag, p, n);
    case ST_AUTH_CLIENT:
    case ST_INFILE:
        return rd_fail(diag, REDIR_E_RESP_AWAITING_CLIENT, 0, 0);
    case ST_FETCH:
        return feed_fetch(t, ev, diag, p, n);
    case ST_BINLOG:
        return feed_binlog(t, ev, diag, p, n);
    default:
        return rd_fail(diag, REDIR_E_RESP_UNEXPECTED, 0, 0);
    }
}

redir_status redir_resp_feed(redir_resp_tracker *t, redir_resp_event *ev, redir_diag *diag,
                             const uint8_t *payload, size_t len) {
    redir_resp_tracker tmp = *t;
    memset(ev, 0, sizeof *ev);
    redir_status st = server_payload(&tmp, ev, diag, payload, len);
    if (st != REDIR_OK) {
        memset(ev, 0, sizeof *ev);
        return st;
    }
    *t = tmp;
    ev->pending = t->len;
    return REDIR_OK;
}
