/*
 * Internal parts of the client engine shared by client*.c.
 *
 * client.c           the public calls and the event loop
 * client_io.c        the input (framer) and output (framing, compressed frames)
 * client_login.c     greeting, TLS request, handshake response, auth exchange
 *                    (also the auth exchange inside COM_CHANGE_USER)
 * client_redirect.c  redirects: policy state, reporting, deferral
 */
#ifndef REDIR_CLIENT_INTERNAL_H
#define REDIR_CLIENT_INTERNAL_H

#include "redir/client.h"

enum cl_state {
    CL_GREETING = 0, /* waiting for the greeting */
    CL_TLS_WAIT,     /* START_TLS reported; waiting for redir_client_tls_done */
    CL_AUTH_REPLY,   /* AUTH_NEEDED reported; waiting for redir_client_auth_reply */
    CL_AUTH,         /* reading the server's side of the login authentication */
    CL_READY,        /* command phase */
    CL_QUIT,         /* COM_QUIT queued: CLOSED once it is sent */
    CL_ENDING,       /* ERROR / CLOSED still to report */
    CL_CLOSED
};

/* What the pending AUTH_NEEDED's answer becomes. */
enum cl_auth_kind {
    AK_HANDSHAKE = 0, /* the handshake response's auth data */
    AK_LOGIN_DATA,    /* a packet of the login exchange */
    AK_CHANGE_USER,   /* COM_CHANGE_USER's auth response */
    AK_CU_DATA        /* a packet of COM_CHANGE_USER's exchange */
};

/* What the current packet still has to report, in this order. */
enum cl_post {
    P_GREETING = 1u << 0,
    P_START_TLS = 1u << 1,
    P_RESPONSE = 1u << 2,
    P_AUTH = 1u << 3,
    P_AUTH_DATA = 1u << 4,
    P_LOGGED_IN = 1u << 5,
    P_ENTRIES = 1u << 6,
    P_REDIRECT_OK = 1u << 7,
    P_REDIRECT_ERR = 1u << 8,
    P_REDECIDE = 1u << 9,
    P_ERROR = 1u << 10,
    P_CLOSED = 1u << 11
};

/* sha2_state */
enum { SHA2_NONE = 0, SHA2_KEY_REQUESTED = 1 };

/* cl_fail ends the attempt: ERROR with st (and the current ERR when
 * has_err), then CLOSED. */
void cl_fail(redir_client *c, redir_status st, size_t offset, bool has_err);

/* client_io.c */
typedef redir_status (*cl_encoder)(uint8_t *buf, size_t cap, size_t *out_len, const void *ctx);

/* cl_queue frames payload with sequence id seq into the output (inside
 * compressed frames once compression is on); cl_queue_encoded the payload an
 * encoder writes (below 0xFFFFFF bytes). On REDIR_E_NOSPACE nothing is
 * queued and *needed is the missing room. */
redir_status cl_queue(redir_client *c, size_t *needed, uint8_t seq, const uint8_t *payload,
                      size_t len);
redir_status cl_queue_encoded(redir_client *c, size_t *needed, uint8_t seq, cl_encoder enc,
                              const void *ctx);
/* cl_expect_seq: the sequence id the next server packet must carry (the
 * compressed protocol is not checked). */
void cl_expect_seq(redir_client *c, int seq);
void cl_frame_cseq(void *ctx, const redir_cframe *frame, uint64_t offset);

/* client_login.c */
void cl_on_greeting(redir_client *c);
void cl_begin_login(redir_client *c);
void cl_on_auth_packet(redir_client *c);
/* cl_on_switch / cl_on_more_data: an auth switch or AuthMoreData in c->pkt,
 * during the login or (in_command) inside COM_CHANGE_USER. */
void cl_on_switch(redir_client *c, bool in_command);
void cl_on_more_data(redir_client *c, bool in_command);
redir_status cl_send_response(redir_client *c, size_t *needed, const uint8_t *auth,
                              size_t auth_len);
redir_status cl_send_change_user(redir_client *c, size_t *needed, const uint8_t *auth,
                                 size_t auth_len);
/* cl_send_auth_data queues the next packet of an auth exchange (the tracker
 * learns it inside COM_CHANGE_USER). */
redir_status cl_send_auth_data(redir_client *c, size_t *needed, const uint8_t *data,
                               size_t len);
/* cl_choose_plugin sets c->plugin for a first answer: want when supported
 * for it, else mysql_native_password. */
void cl_choose_plugin(redir_client *c, redir_span want);
bool cl_plugin_is(const redir_client *c, const char *name);

/* client_redirect.c */
redir_conn_state cl_conn_state(const redir_client *c, bool login_phase, uint16_t status,
                               unsigned in_flight);
void cl_report_redirect(redir_client *c, redir_client_event *ev, redir_status st,
                        const redir_instruction *ins, const redir_diag *diag, bool login_phase,
                        uint16_t status);
bool cl_redecide(redir_client *c, redir_client_event *ev);

#endif
