/*
 * libredir — client policy: whether a client should follow a redirect now,
 * later, or never. Pure decision functions over state the caller reports; no
 * I/O, no clock (times are passed in).
 */
#ifndef REDIR_POLICY_H
#define REDIR_POLICY_H

#include "common.h"
#include "redirect.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum redir_decision {
    REDIR_DECISION_FOLLOW = 0, /* reconnect to the target now */
    REDIR_DECISION_DEFER = 1,  /* keep it pending; decide again when idle */
    REDIR_DECISION_REFUSE = 2  /* ignore it; keep the current connection */
} redir_decision;

/* The named reasons behind a decision, one list generating enum and names. */
#define REDIR_REASON_LIST(X)                                                                    \
    X(FOLLOW_OK, "all conditions met")                                                         \
    X(DISABLED, "redirects are disabled by the user")                                          \
    X(NOT_PERMITTED_WITHOUT_TLS, "default policy follows only over TLS")                       \
    X(NOT_PERMITTED_UNVERIFIED, "default policy follows only with a verified certificate")    \
    X(BEFORE_TLS, "packet arrived before the TLS handshake completed")                          \
    X(TLS_DOWNGRADE, "TLS was requested but the connection is not encrypted")                  \
    X(IN_TRANSACTION, "a transaction is open")                                                 \
    X(COMMANDS_IN_FLIGHT, "responses to pipelined commands are outstanding")                   \
    X(MORE_RESULTS, "more result sets follow")                                                 \
    X(SAME_SERVER, "the target is the server already connected to")                           \
    X(HOP_LIMIT, "the hop limit is reached")                                                   \
    X(INVALID_TARGET, "the instruction has no usable host")                                    \
    X(CARRIER_NOT_ALLOWED, "this carrier is not accepted at this point of the connection")    \
    X(LOOP, "the target was already visited on this redirect chain")

typedef enum redir_reason {
#define REDIR_REASON_ENUM_(name, msg) REDIR_REASON_##name,
    REDIR_REASON_LIST(REDIR_REASON_ENUM_)
#undef REDIR_REASON_ENUM_
    REDIR_REASON_COUNT_
} redir_reason;

/* "follow-ok", "disabled", ... (the enum names in lower case, '-' for '_')
 * and a one-line description; NULL for a value outside the list. */
REDIR_API const char *redir_reason_name(redir_reason r);
REDIR_API const char *redir_reason_message(redir_reason r);
/* "follow", "defer", "refuse"; NULL for any other value. */
REDIR_API const char *redir_decision_name(redir_decision d);

typedef enum redir_permit {
    REDIR_PERMIT_DEFAULT = 0, /* follow only over TLS with a verified certificate */
    REDIR_PERMIT_ALWAYS = 1,  /* follow over any transport (still never before TLS / on downgrade) */
    REDIR_PERMIT_NEVER = 2
} redir_permit;

typedef struct redir_policy {
    redir_permit permit;
    unsigned max_hops;          /* redirects followed per original connect; default 1 */
    bool allow_err_carrier;     /* accept the ERR carrier (default true) */
    bool allow_location_carrier;/* accept the Location: carrier (default true) */
} redir_policy;

/* redir_policy_init sets the safe defaults documented above. */
REDIR_API void redir_policy_init(redir_policy *p);

typedef struct redir_conn_state {
    bool tls_requested;       /* the user asked for TLS */
    bool tls_established;     /* the connection is encrypted now */
    bool cert_verified;       /* certificate and host name verified */
    bool before_tls;          /* the packet arrived before the TLS handshake completed */
    bool login_phase;         /* the packet is the login reply (OK/ERR to the handshake) */
    uint16_t server_status;   /* status flags of the packet carrying the redirect */
    unsigned commands_in_flight; /* commands sent whose responses are not complete,
                                    not counting the one this packet answers */
    unsigned hops;            /* redirects already followed on this chain */
    redir_span current_host;  /* where the connection is now */
    uint16_t current_port;
    /* hosts visited earlier on this chain (host:port strings), may be NULL */
    const redir_span *visited;
    size_t num_visited;
} redir_conn_state;

/* redir_policy_decide applies the policy to one instruction. The checks run
 * in a fixed order and the first that applies decides (SPEC.md §5.2 gives the
 * same table):
 *   1 permit NEVER (or an unknown value)             refuse  DISABLED
 *   2 empty host or port 0                           refuse  INVALID_TARGET
 *   3 ERR carrier outside login_phase or disallowed  refuse  CARRIER_NOT_ALLOWED
 *   4 Location carrier likewise                      refuse  CARRIER_NOT_ALLOWED
 *   5 before_tls                                     refuse  BEFORE_TLS
 *   6 tls_requested && !tls_established              refuse  TLS_DOWNGRADE
 *   7 permit DEFAULT && !tls_established             refuse  NOT_PERMITTED_WITHOUT_TLS
 *   8 permit DEFAULT && !cert_verified               refuse  NOT_PERMITTED_UNVERIFIED
 *   9 target == current host:port                    refuse  SAME_SERVER
 *  10 target in visited                              refuse  LOOP
 *  11 hops >= max_hops                               refuse  HOP_LIMIT
 *  12 server_status & IN_TRANS                       defer   IN_TRANSACTION
 *  13 server_status & MORE_RESULTS_EXISTS            defer   MORE_RESULTS
 *  14 commands_in_flight > 0                         defer   COMMANDS_IN_FLIGHT
 *  15 otherwise                                      follow  FOLLOW_OK
 * Hosts compare without regard to ASCII case or one trailing dot
 * ("db.example." is "db.example"); a session-track host is percent-decoded
 * first; current_host may be written "[ipv6]". Nothing is resolved. A
 * visited entry is "host:port", "[ipv6]:port", "host" or "[ipv6]" (without a
 * port: 3306); an unbracketed entry with several ':' is an IPv6 address
 * without port; malformed entries match nothing. NULL p, s or ins refuse
 * with INVALID_TARGET. *out_reason (optional) receives the reason. */
REDIR_API redir_decision redir_policy_decide(redir_reason *out_reason, const redir_policy *p,
                                             const redir_conn_state *s,
                                             const redir_instruction *ins);

/* ------------------------------------------------------------------------- */
/* ttl cache of the last redirect target                                       */
/* ------------------------------------------------------------------------- */

#define REDIR_CACHE_HOST_MAX 256

/* redir_target_cache remembers where the last redirect from an origin led,
 * until its ttl expires, so the next connect can go there directly. It holds
 * one entry and owns copies of the host names (inline; no allocation). */
typedef struct redir_target_cache {
    bool valid;
    uint64_t expires_ms;
    uint16_t origin_port, target_port;
    size_t origin_len, target_len;
    uint8_t origin[REDIR_CACHE_HOST_MAX];
    uint8_t target[REDIR_CACHE_HOST_MAX];
} redir_target_cache;

REDIR_API void redir_target_cache_init(redir_target_cache *c);

/* redir_target_cache_store records origin -> target for ttl_ms from now_ms. A ttl of
 * 0 clears the entry. Fails with REDIR_E_FIELD_TOO_LONG for hosts longer than
 * REDIR_CACHE_HOST_MAX. */
REDIR_API REDIR_NODISCARD redir_status redir_target_cache_store(redir_target_cache *c,
                                                         redir_span origin, uint16_t origin_port,
                                                         redir_span target, uint16_t target_port,
                                                         uint64_t ttl_ms, uint64_t now_ms);

/* redir_target_cache_lookup returns REDIR_OK with the cached target for origin when
 * present and unexpired at now_ms (spans view the cache), REDIR_NOT_FOUND
 * otherwise (an expired entry is cleared; *target is then empty and
 * *target_port 0). */
REDIR_API REDIR_NODISCARD redir_status redir_target_cache_lookup(redir_target_cache *c,
                                                                 redir_span *target,
                                                                 uint16_t *target_port,
                                                                 redir_span origin,
                                                                 uint16_t origin_port,
                                                                 uint64_t now_ms);

/* redir_target_cache_invalidate drops the entry (call it when connecting to the
 * cached target fails). */
REDIR_API void redir_target_cache_invalidate(redir_target_cache *c);

#ifdef __cplusplus
}
#endif

#endif
