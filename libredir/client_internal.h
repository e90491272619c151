/*
 * Internal parts of the client engine shared by client*.c.
 *
 * client.c           buffers, the event loop, the public calls
 * client_login.c     greeting, TLS request, handshake response, auth exchange
 * client_resp.c      what each command-phase payload is (until the response
 *                    tracker of <redir/command.h> takes this over)
 * client_redirect.c  redirects: policy state, reporting, deferral
 */
#ifndef REDIR_CLIENT_INTERNAL_H
#define REDIR_CLIENT_INTERNAL_H

#include "redir/client.h"

enum cl_state {
    CL_GREETING = 0, /* waiting for the greeting */
    CL_TLS_WAIT,     /* START_TLS reported; waiting for redir_client_tls_done */
    CL_AUTH_REPLY,   /* AUTH_NEEDED reported; waiting for redir_client_auth_reply */
    CL_AUTH,         /* reading the server's side of the authentication */
    CL_READY,        /* command phase */
    CL_QUIT,         /* COM_QUIT queued: CLOSED once it is sent */
    CL_ENDING,       /* ERROR / CLOSED still to report */
    CL_CLOSED
};

/* What the current packet still has to report, in this order. */
enum cl_post {
    P_GREETING = 1u << 0,
    P_START_TLS = 1u << 1,
    P_AUTH = 1u << 2,
    P_LOGGED_IN = 1u << 3,
    P_RESPONSE = 1u << 4,
    P_ENTRIES = 1u << 5,
    P_REDIRECT_OK = 1u << 6,
    P_REDIRECT_ERR = 1u << 7,
    P_REDECIDE = 1u << 8,
    P_ERROR = 1u << 9,
    P_CLOSED = 1u << 10
};

/* sha2_state */
enum { SHA2_NONE = 0, SHA2_KEY_REQUESTED = 1 };

/* cl_fail ends the attempt: ERROR with st (and the current ERR when
 * has_err), then CLOSED. */
void cl_fail(redir_client *c, redir_status st, size_t offset, bool has_err);

/* cl_out_room moves pending output to the start of the buffer and returns
 * the room after it. */
size_t cl_out_room(redir_client *c);

/* cl_queue frames payload with sequence id seq into the output; on
 * REDIR_E_NOSPACE nothing is queued and *needed is the missing room. */
redir_status cl_queue(redir_client *c, size_t *needed, uint8_t seq, const uint8_t *payload,
                      size_t len);

/* client_login.c */
void cl_on_greeting(redir_client *c);
void cl_begin_login(redir_client *c);
void cl_on_auth_packet(redir_client *c);
redir_status cl_send_response(redir_client *c, size_t *needed, const uint8_t *auth,
                              size_t auth_len);
bool cl_plugin_is(const redir_client *c, const char *name);

/* client_resp.c: classify the current packet (c->pkt) as part of the
 * response to the oldest command in flight; fills c->resp. */
redir_status cl_resp_feed(redir_client *c, redir_diag *diag);
bool cl_command_has_response(uint8_t cmd);

/* client_redirect.c */
redir_conn_state cl_conn_state(const redir_client *c, bool login_phase, uint16_t status,
                               unsigned in_flight);
void cl_report_redirect(redir_client *c, redir_client_event *ev, redir_status st,
                        const redir_instruction *ins, const redir_diag *diag, bool login_phase,
                        uint16_t status);
bool cl_redecide(redir_client *c, redir_client_event *ev);

#endif
