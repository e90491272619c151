/*
 * libredir — URL grammars of the redirect designs, and the compatibility
 * report ("which implementations accept this URL and where would they go?").
 *
 * All parsers are pure: no allocation, spans view the input, percent-decoding
 * writes into a caller buffer. See SPEC.md for each grammar's exact rules and
 * their sources.
 */
#ifndef REDIR_URL_H
#define REDIR_URL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum redir_grammar {
    /* Exactly what MariaDB's redirect_url validator accepts: "" or
     * {mysql,mariadb}://host[:port], host = every byte up to the first ':'
     * (may be empty when a port follows; '/', '?', '@', '[' are host bytes),
     * port = decimal digits (leading zeros allowed) up to 65535, nothing
     * after it. Case-sensitive scheme. Nothing is decoded. */
    REDIR_GRAMMAR_MARIADB_SERVER = 0,
    /* What connectors follow: {mysql,mariadb}://[user[:password]@]host[:port]
     * [/[database][?key=value[&key=value...]]] with RFC 3986 character rules:
     *  - the scheme is lower case only: the server rejects any other spelling
     *    and so does MySqlConnector (the Java and Node connectors fold case);
     *  - user, password, host, database, keys and values may hold only their
     *    RFC 3986 characters and valid %XX escapes (raw non-ASCII bytes,
     *    spaces and controls are E_URL_CHAR / E_URL_USERINFO); a host must
     *    not contain "%00";
     *  - host is a non-empty registered name or [IPv6] (RFC 4291 text form,
     *    optional RFC 6874 zone "%25zone");
     *  - the port is decimal digits (leading zeros allowed) with a value up
     *    to 65535; 0 is accepted; "host:" is E_URL_PORT;
     *  - a query needs the '/' ("mysql://h?x" is E_URL_CHAR); every option
     *    has a non-empty key; the option "ttl" must be decimal (E_URL_TTL),
     *    the last one wins. */
    REDIR_GRAMMAR_CONNECTOR = 1,
    /* Host-list form of Connector/J 2.x, an optional "jdbc:" prefix allowed:
     * {mysql,mariadb}:[replication:|loadbalance:|sequential:]//hostDescription
     * [,hostDescription...][/[database]][?options], the mode in any case.
     * hostDescription = host[:port] (host as in the connector grammar, minus
     * ',' '(' ')') or address=(host=H)[(port=P)][(type=master|slave)] with the
     * parts in any order, each at most once, keys and type in any case; H may
     * be a bare IPv6 literal. No userinfo. At most REDIR_URL_MAX_HOSTS hosts
     * (E_URL_TOO_MANY_HOSTS at the first one too many). */
    REDIR_GRAMMAR_MULTI = 2,
    /* The "Location: mysql://..." info line (case-sensitive prefix):
     *   community: Location: mysql://[HOST]:PORT/?user=USER[&ttl=TTL][\n]
     *   azure:     Location: mysql://HOST:PORT/user=USER[&ttl=TTL][\n]
     * HOST and USER 1..128 bytes (HOST printable ASCII without / ? & @ [ ],
     * and without ':' unless bracketed; USER any byte but controls and '&'),
     * PORT 1..65535 in decimal without leading zeros, TTL decimal. Bytes
     * after the newline are not part of the line and are ignored. */
    REDIR_GRAMMAR_LOCATION = 3
} redir_grammar;

/* redir_grammar_name / redir_grammar_from_name map to and from
 * "mariadb-server", "connector", "multi", "location" (exact, case-sensitive).
 * redir_grammar_name returns NULL for an unknown value; from_name returns
 * false (and leaves *out alone) for an unknown or NULL name. */
REDIR_API const char *redir_grammar_name(redir_grammar g);
REDIR_API bool redir_grammar_from_name(redir_grammar *out, const char *name);

#define REDIR_URL_MAX_HOSTS 16
#define REDIR_DEFAULT_PORT 3306

typedef struct redir_url_host {
    redir_span host;   /* as written (percent-encoded if it was); brackets stripped */
    bool bracketed;    /* an IPv6 literal: written as [IPv6] (multi's address=(host=...)
                        * may also write it bare) */
    bool has_port;
    uint16_t port;     /* REDIR_DEFAULT_PORT when !has_port */
    redir_span type;   /* multi grammar address=(type=...): "master"/"slave"; else empty */
} redir_url_host;

typedef struct redir_url {
    redir_span scheme;        /* "mysql" or "mariadb" (location: "mysql") */
    redir_span mode;          /* multi grammar: "replication", "loadbalance", "sequential" or empty */
    bool has_user;
    redir_span user;          /* percent-encoded as written */
    bool has_password;
    redir_span password;
    size_t num_hosts;
    redir_url_host hosts[REDIR_URL_MAX_HOSTS];
    bool has_path;            /* a '/' followed the authority */
    redir_span database;      /* path without its leading '/' */
    bool has_query;
    redir_span query;         /* after '?', without it; walk with redir_url_option_next */
    bool has_ttl;
    uint64_t ttl;             /* the ttl option (or Location ttl field) */
    bool location_azure;      /* location grammar: the Azure form */
    bool location_newline;    /* location grammar: the line ended with '\n' */
} redir_url;

/* redir_url_parse parses in[0..in_len) under grammar g. REDIR_OK when valid
 * (for the mariadb-server grammar the empty string is valid and yields
 * num_hosts == 0). Otherwise a REDIR_E_URL_* / REDIR_E_LOCATION_* status with
 * diag->offset at the offending byte (the input length when something is
 * missing at the end), and *out is all zero. On success every field is
 * set as described above, but of hosts only the num_hosts entries in use:
 * hosts[num_hosts..REDIR_URL_MAX_HOSTS) are not written (so a parse costs no
 * more than the URL it reads). Spans point into in. in may be
 * NULL when in_len is 0; a NULL out, a NULL in with a length, or an unknown
 * grammar is REDIR_E_INVALID_ARGUMENT. Bytes at or past in_len are never
 * read, and embedded NUL bytes are ordinary bytes. */
REDIR_API REDIR_NODISCARD redir_status redir_url_parse(redir_url *out, redir_diag *diag,
                                                       redir_grammar g, const uint8_t *in,
                                                       size_t in_len);

/* redir_url_option_next walks key=value pairs of a query separated by '&'.
 * *rest is advanced; REDIR_DONE when empty. A pair without '=' yields an empty
 * value; the key ends at the first '='. Empty segments ("&&", a trailing '&')
 * are skipped. Keys and values are returned percent-encoded.
 * REDIR_E_INVALID_ARGUMENT for NULL arguments. */
REDIR_API REDIR_NODISCARD redir_status redir_url_option_next(redir_span *rest, redir_span *key,
                                                             redir_span *value);

/* redir_pct_decode writes the percent-decoded form of in into out[0..cap).
 * The output is never longer than the input; '+' stays '+'. Fails with
 * REDIR_E_URL_PERCENT (diag offset at the '%', *out_len = 0) for a '%' not
 * followed by two hex digits, and REDIR_E_NOSPACE (*out_len = needed) when
 * cap is too small; on failure nothing is written. out may be NULL when cap
 * is 0 (a sizing call). */
REDIR_API REDIR_NODISCARD redir_status redir_pct_decode(uint8_t *out, size_t cap,
                                                        size_t *out_len, redir_diag *diag,
                                                        redir_span in);

/* ------------------------------------------------------------------------- */
/* Compatibility report                                                        */
/* ------------------------------------------------------------------------- */

typedef enum redir_impl {
    REDIR_IMPL_MARIADB_SERVER = 0,  /* MariaDB server redirect_url validator (11.3+) */
    REDIR_IMPL_CONNECTOR_NODEJS,    /* MariaDB Connector/Node.js (current npm release) */
    REDIR_IMPL_CONNECTOR_J,         /* MariaDB Connector/J 3.5 */
    REDIR_IMPL_R2DBC,               /* MariaDB Connector/R2DBC 1.2 */
    REDIR_IMPL_MYSQLCONNECTOR_NET,  /* MySqlConnector (.NET) */
    REDIR_IMPL_MAXSCALE,            /* MaxScale 25.02 listener redirect_url */
    REDIR_IMPL_MYSQLND_AZURE,       /* mysqlnd_azure (Location: info line) */
    REDIR_IMPL_COUNT
} redir_impl;

/* redir_impl_name returns the stable key used in JSON ("mariadb-server",
 * "connector-nodejs", "connector-j", "r2dbc", "mysqlconnector-net",
 * "maxscale", "mysqlnd-azure"). */
REDIR_API const char *redir_impl_name(redir_impl impl);

#define REDIR_COMPAT_HOST_MAX 256

typedef struct redir_compat {
    bool accepts;          /* the implementation takes this value as a redirect: the
                            * validators accept it as a setting; a connector would open
                            * a connection to host:port (false when it rejects, throws
                            * or has no usable port) */
    bool connects;         /* it has a destination (validators such as the server's do not connect) */
    uint16_t port;         /* where it would connect */
    size_t host_len;
    uint8_t host[REDIR_COMPAT_HOST_MAX]; /* host after the implementation's own decoding */
    bool host_truncated;   /* the decoded host was longer than REDIR_COMPAT_HOST_MAX:
                            * host holds its first REDIR_COMPAT_HOST_MAX bytes */
} redir_compat;

/* redir_compat_report evaluates url (the raw bytes a server would send)
 * against every known implementation's rule (see SPEC.md, "Compatibility"),
 * filling out[REDIR_IMPL_COUNT]; for mysqlnd-azure url is the OK packet's
 * info text. The connectors' hosts are reported as UTF-8 after their own
 * decoding (malformed UTF-8 becomes U+FFFD as their decoders do). Context
 * that the value alone does not give (TLS, permit flags, transaction state,
 * "same host as now") is not part of the report. A NULL url with a non-zero
 * length rejects everywhere. */
REDIR_API void redir_compat_report(redir_compat out[REDIR_IMPL_COUNT], const uint8_t *url,
                                   size_t url_len);

#ifdef __cplusplus
}
#endif

#endif
