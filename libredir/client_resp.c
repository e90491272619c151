/* What each command-phase payload is. This is the engine's seam for the
 * response tracker of <redir/command.h>: one function, fed the current
 * packet, filling c->resp and popping the command when its response ends. */
#include <string.h>

#include "client_internal.h"
#include "reader.h"
#include "redir/wire.h"

#define COM_FIELD_LIST 0x04
#define COM_STATISTICS 0x09
#define COM_STMT_PREPARE 0x16
#define COM_STMT_EXECUTE 0x17

enum {
    R_START = 0,
    R_COLS,       /* column definitions of a result set */
    R_COLS_EOF,   /* the EOF after them (without DEPRECATE_EOF) */
    R_ROWS,
    R_PARAMS,     /* prepare-OK: parameter definitions */
    R_PARAMS_EOF,
    R_PCOLS,      /* prepare-OK: column definitions */
    R_PCOLS_EOF,
    R_FIELDS      /* COM_FIELD_LIST: definitions up to an EOF */
};

static bool deprecate_eof(const redir_client *c) {
    return (c->caps & REDIR_CLIENT_DEPRECATE_EOF) != 0;
}

/* is_terminator: a 0xFE packet that ends a list (EOF, or OK-as-EOF). */
static bool is_terminator(const redir_client *c) {
    if (c->pkt.len == 0 || c->pkt.ptr[0] != 0xFE) {
        return false;
    }
    return deprecate_eof(c) ? c->pkt.len < REDIR_MAX_PACKET_PAYLOAD : c->pkt.len < 9;
}

/* A legacy EOF is accepted wherever a terminator is due; under
 * DEPRECATE_EOF an end of rows is an OK with header 0xFE. */
static redir_status read_terminator(redir_client *c, redir_diag *diag) {
    /* 1 and 5 bytes: a legacy EOF (an OK is at least 7 under PROTOCOL_41). */
    bool ok_form = deprecate_eof(c) && c->pkt.len != 1 && c->pkt.len != 5;
    if (ok_form) {
        redir_status st = redir_ok_decode(&c->ok, diag, c->pkt.ptr, c->pkt.len, c->caps);
        if (st != REDIR_OK) {
            return st;
        }
        redir_session_iter_init(&c->iter, c->ok.session_state);
        c->resp.kind = REDIR_CLIENT_RESP_OK_AS_EOF;
        c->resp.status = c->ok.status;
        return REDIR_OK;
    }
    redir_eof e;
    redir_status st = redir_eof_decode(&e, diag, c->pkt.ptr, c->pkt.len, c->caps);
    if (st != REDIR_OK) {
        return st;
    }
    c->resp.kind = REDIR_CLIENT_RESP_EOF;
    c->resp.status = e.status;
    return REDIR_OK;
}

static void finish(redir_client *c, bool more) {
    c->last_status = c->resp.status;
    if (more) {
        c->resp.more_results = true;
        c->rstate = R_START;
        return;
    }
    c->resp.complete = true;
}

static redir_status end_of_rows(redir_client *c, redir_diag *diag) {
    redir_status st = read_terminator(c, diag);
    if (st != REDIR_OK) {
        return st;
    }
    finish(c, (c->resp.status & REDIR_STATUS_MORE_RESULTS_EXISTS) != 0);
    return REDIR_OK;
}

static redir_status prepare_ok(redir_client *c, redir_diag *diag) {
    rd r = rd_init(c->pkt.ptr, c->pkt.len);
    uint8_t header;
    uint64_t id;
    uint16_t cols;
    uint16_t params;
    redir_status st = rd_u8(&r, &header, diag);
    if (st == REDIR_OK) {
        st = rd_uint(&r, 4, &id, diag);
    }
    if (st == REDIR_OK) {
        st = rd_u16(&r, &cols, diag);
    }
    if (st == REDIR_OK) {
        st = rd_u16(&r, &params, diag);
    }
    if (st != REDIR_OK) {
        return st;
    }
    c->resp.kind = REDIR_CLIENT_RESP_PREPARE_OK;
    c->resp.stmt_id = (uint32_t)id;
    c->resp.column_count = cols;
    c->resp.param_count = params;
    c->rleft = cols;
    c->rparams = params;
    if (params > 0) {
        c->rstate = R_PARAMS;
    } else if (cols > 0) {
        c->rstate = R_PCOLS;
    } else {
        c->resp.complete = true;
    }
    return REDIR_OK;
}

static redir_status column_count(redir_client *c, redir_diag *diag) {
    uint64_t n = 0;
    size_t used = 0;
    redir_status st = redir_lenenc_decode(&n, &used, diag, c->pkt.ptr, c->pkt.len);
    if (st != REDIR_OK) {
        return st;
    }
    bool metadata = true;
    size_t expect = used;
    if ((c->caps & REDIR_MARIADB_CLIENT_CACHE_METADATA) != 0) {
        /* MariaDB: one byte says whether the definitions follow. */
        if (c->pkt.len <= used) {
            diag->offset = used;
            diag->needed = 1;
            return REDIR_E_TRUNCATED;
        }
        metadata = c->pkt.ptr[used] != 0;
        expect++;
    }
    if (c->pkt.len != expect) {
        diag->offset = expect;
        return REDIR_E_TRAILING;
    }
    if (n == 0) {
        diag->offset = 0;
        return REDIR_E_CLIENT_UNEXPECTED;
    }
    c->resp.kind = REDIR_CLIENT_RESP_COLUMN_COUNT;
    c->resp.column_count = n;
    c->rleft = n;
    if (metadata) {
        c->rstate = R_COLS;
    } else {
        c->rstate = deprecate_eof(c) ? R_ROWS : R_COLS_EOF;
    }
    return REDIR_OK;
}

static redir_status on_start(redir_client *c, uint8_t cmd, redir_diag *diag) {
    uint8_t b = c->pkt.ptr[0];
    if (cmd == COM_STATISTICS) {
        c->resp.kind = REDIR_CLIENT_RESP_TEXT;
        c->resp.complete = true;
        return REDIR_OK;
    }
    if (b == 0x00 && cmd == COM_STMT_PREPARE) {
        return prepare_ok(c, diag);
    }
    if (b == 0x00) {
        redir_status st = redir_ok_decode(&c->ok, diag, c->pkt.ptr, c->pkt.len, c->caps);
        if (st != REDIR_OK) {
            return st;
        }
        redir_session_iter_init(&c->iter, c->ok.session_state);
        c->resp.kind = REDIR_CLIENT_RESP_OK;
        c->resp.status = c->ok.status;
        finish(c, (c->ok.status & REDIR_STATUS_MORE_RESULTS_EXISTS) != 0);
        return REDIR_OK;
    }
    if (is_terminator(c)) {
        /* An EOF answering the command itself (COM_SET_OPTION, COM_DEBUG). */
        return end_of_rows(c, diag);
    }
    if (b == 0xFB) {
        /* LOCAL INFILE: the engine has no files to send. */
        diag->offset = 0;
        return REDIR_E_CLIENT_UNEXPECTED;
    }
    return column_count(c, diag);
}

redir_status cl_resp_feed(redir_client *c, redir_diag *diag) {
    uint8_t cmd = c->cmds[c->cmd_head];
    memset(&c->resp, 0, sizeof c->resp);
    c->resp.command = cmd;
    c->others_in_flight = (unsigned)(c->cmd_count - 1u);
    if (c->pkt.len == 0) {
        return REDIR_E_EMPTY_PACKET;
    }
    redir_status st = REDIR_OK;
    if (c->pkt.ptr[0] == 0xFF) {
        st = redir_err_decode(&c->err, diag, c->pkt.ptr, c->pkt.len, c->caps);
        if (st != REDIR_OK) {
            return st;
        }
        if (c->err.is_progress) {
            c->resp.kind = REDIR_CLIENT_RESP_PROGRESS;
            return REDIR_OK;
        }
        c->resp.kind = REDIR_CLIENT_RESP_ERR;
        c->resp.complete = true;
        c->last_status &= (uint16_t)~REDIR_STATUS_MORE_RESULTS_EXISTS;
    } else {
        if (c->rstate == R_START && cmd == COM_FIELD_LIST) {
            c->rstate = R_FIELDS;
        }
        switch (c->rstate) {
        case R_START:
            st = on_start(c, cmd, diag);
            break;
        case R_COLS:
        case R_PCOLS:
            c->resp.kind = REDIR_CLIENT_RESP_COLUMN_DEF;
            if (--c->rleft == 0) {
                if (c->rstate == R_COLS) {
                    c->rstate = deprecate_eof(c) ? R_ROWS : R_COLS_EOF;
                } else if (deprecate_eof(c)) {
                    c->resp.complete = true;
                } else {
                    c->rstate = R_PCOLS_EOF;
                }
            }
            break;
        case R_PARAMS:
            c->resp.kind = REDIR_CLIENT_RESP_PARAM_DEF;
            if (--c->rparams == 0) {
                if (!deprecate_eof(c)) {
                    c->rstate = R_PARAMS_EOF;
                } else if (c->rleft > 0) {
                    c->rstate = R_PCOLS;
                } else {
                    c->resp.complete = true;
                }
            }
            break;
        case R_COLS_EOF:
        case R_PARAMS_EOF:
        case R_PCOLS_EOF:
            if (c->pkt.ptr[0] != 0xFE || c->pkt.len >= 9) {
                diag->offset = 0;
                return REDIR_E_CLIENT_UNEXPECTED;
            }
            st = read_terminator(c, diag);
            if (st != REDIR_OK) {
                return st;
            }
            if (c->rstate == R_COLS_EOF) {
                /* A cursor opened by COM_STMT_EXECUTE: no rows follow now. */
                if (cmd == COM_STMT_EXECUTE &&
                    (c->resp.status & REDIR_STATUS_CURSOR_EXISTS) != 0) {
                    finish(c, false);
                } else {
                    c->rstate = R_ROWS;
                }
            } else if (c->rstate == R_PARAMS_EOF && c->rleft > 0) {
                c->rstate = R_PCOLS;
            } else {
                c->resp.complete = true;
            }
            break;
        case R_ROWS:
            if (is_terminator(c)) {
                st = end_of_rows(c, diag);
            } else {
                c->resp.kind = REDIR_CLIENT_RESP_ROW;
            }
            break;
        case R_FIELDS:
        default:
            if (is_terminator(c)) {
                st = read_terminator(c, diag);
                if (st == REDIR_OK) {
                    c->resp.complete = true;
                }
            } else {
                c->resp.kind = REDIR_CLIENT_RESP_COLUMN_DEF;
            }
            break;
        }
    }
    if (st != REDIR_OK) {
        return st;
    }
    if (c->resp.complete) {
        c->cmd_head = (c->cmd_head + 1u) % REDIR_CLIENT_MAX_PIPELINE;
        c->cmd_count--;
        c->rstate = R_START;
        c->rseq = 1;
    }
    return REDIR_OK;
}
