/*
 * The shape of a server response, as `redir replay` compares it: one line of
 * space-separated items describing what the server answered to one command
 * (or to the login), without the values that legitimately differ between two
 * runs (connection ids, scrambles, timestamps, row contents, affected rows,
 * warning counts).
 *
 * Items:
 *   ok{names}            OK packet; names are the session-track entries:
 *                        sysvar:NAME, schema, state-change, gtids,
 *                        tx-characteristics, tx-state, track-N
 *   err(CODE,STATE)      ERR packet (STATE omitted when the packet has none)
 *   eof                  legacy EOF packet ending a response
 *   rs(cols=N,rows=M)    a result set, followed by its terminator item
 *                        (eof, ok-as-eof{names} or err(...)); several result
 *                        sets follow each other while more results exist
 *   prepare-ok(params=P,cols=C)   COM_STMT_PREPARE answer
 *   fields(N)            COM_FIELD_LIST column definitions, then terminator
 *   statistics           COM_STATISTICS text
 *   auth-switch(PLUGIN)  AuthSwitchRequest
 *   auth-more-data       one or more AuthMoreData packets in a row
 *   unexpected(0xNN)     a packet the response cannot contain
 * MariaDB progress reports (ERR 0xFFFF) are counted, never part of the shape:
 * how many arrive depends on timing.
 *
 * The library's response tracker classifies the payloads, pushed one server
 * payload at a time, so the same code reads a captured flow and a live
 * connection.
 */
#ifndef REDIR_TOOL_REPLAY_SHAPE_H
#define REDIR_TOOL_REPLAY_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay_buf.h"

#include <redir/command.h>

/* Pseudo command for the login exchange (after the handshake response). */
#define RP_CMD_LOGIN 0x100

/* Command bytes, as <redir/command.h> defines them. */
#define RP_COM_QUIT REDIR_COM_QUIT
#define RP_COM_INIT_DB REDIR_COM_INIT_DB
#define RP_COM_QUERY REDIR_COM_QUERY
#define RP_COM_FIELD_LIST REDIR_COM_FIELD_LIST
#define RP_COM_STATISTICS REDIR_COM_STATISTICS
#define RP_COM_CHANGE_USER REDIR_COM_CHANGE_USER
#define RP_COM_STMT_PREPARE REDIR_COM_STMT_PREPARE
#define RP_COM_STMT_EXECUTE REDIR_COM_STMT_EXECUTE
#define RP_COM_STMT_SEND_LONG_DATA REDIR_COM_STMT_SEND_LONG_DATA
#define RP_COM_STMT_CLOSE REDIR_COM_STMT_CLOSE
#define RP_COM_STMT_RESET REDIR_COM_STMT_RESET
#define RP_COM_STMT_FETCH REDIR_COM_STMT_FETCH
#define RP_COM_RESET_CONNECTION REDIR_COM_RESET_CONNECTION
#define RP_COM_STMT_BULK_EXECUTE REDIR_COM_STMT_BULK_EXECUTE

typedef enum rp_step {
    RP_STEP_MORE = 0,    /* feed the next packet */
    RP_STEP_DONE,        /* the response is complete */
    RP_STEP_AUTH_SWITCH, /* the client must answer an AuthSwitchRequest */
    RP_STEP_AUTH_MORE,   /* AuthMoreData: the plugin decides whether to answer */
    RP_STEP_UNSUPPORTED  /* LOCAL INFILE, further auth factors: cannot be replayed */
} rp_step;

typedef struct rp_resp {
    int command;       /* COM_* byte, or RP_CMD_LOGIN */
    uint64_t caps;     /* negotiated capabilities */
    redir_resp_tracker tracker; /* private: classifies the payloads */
    int item;          /* private: the item under way */
    uint64_t count;    /* columns / fields in the current item */
    uint64_t rows;
    bool more_data;    /* the last item is auth-more-data */
    rp_str shape;
    unsigned progress; /* progress reports seen */
    bool done;
    bool closes;       /* the server ends the connection after this response */
    bool has_stmt_id;  /* a prepare-ok carried stmt_id */
    uint32_t stmt_id;
} rp_resp;

/* rp_command_has_response is false for commands the server never answers
 * (COM_QUIT, COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA). */
bool rp_command_has_response(int command);

void rp_resp_init(rp_resp *r, int command, uint64_t caps);
void rp_resp_free(rp_resp *r);

/* rp_resp_feed classifies the next server payload of the response. */
rp_step rp_resp_feed(rp_resp *r, const uint8_t *p, size_t n);

/* rp_resp_note appends a free-form item (e.g. "(connection closed)"). */
void rp_resp_note(rp_resp *r, const char *item);

/* rp_resp_shape is the shape line so far ("(none)" when empty). */
const char *rp_resp_shape(const rp_resp *r);

#endif
