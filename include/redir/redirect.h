/*
 * libredir — the redirect layer: extracting a redirect instruction from a
 * decoded OK or ERR packet, and building the packets that carry one.
 *
 * Carriers (SPEC.md §2):
 *  - SESSION_TRACK: a SYSTEM_VARIABLES entry named "redirect_url" in an OK
 *    packet's session state (MariaDB >= 11.3).
 *  - ERR: an ERR packet whose message is "|human text|host[:port]" (proposed
 *    design; the code alone never identifies a redirect).
 *  - LOCATION: a "Location: mysql://..." line in the login OK's info.
 */
#ifndef REDIR_REDIRECT_H
#define REDIR_REDIRECT_H

#include "common.h"
#include "packets.h"
#include "url.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum redir_carrier {
    REDIR_CARRIER_SESSION_TRACK = 0,
    REDIR_CARRIER_ERR = 1,
    REDIR_CARRIER_LOCATION = 2
} redir_carrier;

/* redir_carrier_name: "session-track", "err", "location". */
REDIR_API const char *redir_carrier_name(redir_carrier c);

/* The default ERR code of the ERR-redirect design. Released servers use 4196
 * for an unrelated error, so the message format must match as well. */
#define REDIR_ERR_REDIRECT_DEFAULT_CODE 4196u

typedef struct redir_instruction {
    redir_carrier carrier;
    redir_span raw;          /* the carrier's text: URL, ERR message or Location line */
    redir_span text;         /* ERR carrier: the human-readable part */
    redir_span scheme;       /* "mysql"/"mariadb"; empty for the ERR carrier */
    redir_span host;         /* as written (may be percent-encoded for URLs) */
    uint16_t port;           /* REDIR_DEFAULT_PORT when absent */
    bool has_port;
    bool has_user;
    redir_span user;
    bool has_password;
    redir_span password;
    bool has_database;
    redir_span database;
    bool has_ttl;
    uint64_t ttl;
} redir_instruction;

/* redir_redirect_from_ok looks for a redirect in a decoded OK packet: a
 * non-empty redirect_url system variable in its session state (every entry
 * and every name/value pair is walked; the last non-empty value wins and an
 * empty one cancels nothing), else — only when login_ok is true — an info
 * starting with "Location:". Returns REDIR_OK with *out filled,
 * REDIR_NOT_FOUND when the packet carries none (an empty redirect_url means
 * "no redirect"), or an error when a carrier is present but malformed:
 * REDIR_E_URL_* / REDIR_E_LOCATION_* with diag->offset relative to the carrier
 * text (out->carrier and out->raw then name that text; every other field is
 * zero), or a session state error (REDIR_E_STATE_ENTRY, REDIR_E_STATE_VALUE,
 * lenenc errors) with diag->offset relative to the start of the state block.
 * URL values are parsed with the connector grammar, Location lines with the
 * location grammar. Spans in *out view the packet. */
REDIR_API REDIR_NODISCARD redir_status redir_redirect_from_ok(redir_instruction *out,
                                                              redir_diag *diag,
                                                              const redir_ok *ok, bool login_ok);

/* redir_redirect_from_err recognises the ERR carrier. It is REDIR_NOT_FOUND
 * (an ordinary error) for a progress report, when expected_code is not 0 and
 * differs from the code, and when the message does not start with '|'. A
 * message that starts with '|' is parsed as redir_err_redirect_parse does:
 * REDIR_OK with *out filled (scheme empty, text set), or that function's
 * error with diag->offset relative to the message (out->carrier and out->raw
 * set, the rest zero). */
REDIR_API REDIR_NODISCARD redir_status redir_redirect_from_err(redir_instruction *out,
                                                               redir_diag *diag,
                                                               const redir_err *err,
                                                               uint16_t expected_code);

/* redir_err_redirect_parse splits an ERR-redirect message "|text|host[:port]"
 * in[0..in_len) into its parts (views into in). The host runs from the second '|' to
 * the first ':' or the end; the port is one or more decimal digits up to
 * 65535 (leading zeros allowed; absent: *has_port false, *port 3306). Fails
 * with REDIR_E_ERR_REDIRECT_FORMAT (no leading '|' at offset 0, or no second
 * '|': offset = message length), REDIR_E_URL_HOST (empty host),
 * REDIR_E_URL_CHAR (a byte <= 0x20, 0x7F or '|' in the host),
 * REDIR_E_URL_PORT (no digit after ':', or a non-digit) or
 * REDIR_E_URL_PORT_RANGE (at the digit that exceeds 65535). */
REDIR_API REDIR_NODISCARD redir_status redir_err_redirect_parse(redir_span *text,
                                                                redir_span *host, bool *has_port,
                                                                uint16_t *port,
                                                                redir_diag *diag,
                                                                const uint8_t *in,
                                                                size_t in_len);

/* ------------------------------------------------------------------------- */
/* Builders: complete framed packets (4-byte header included)                  */
/* ------------------------------------------------------------------------- */

/* A tracked system variable for redir_build_ok_redirect's extra list. */
typedef struct redir_sysvar {
    redir_span name;
    redir_span value;
} redir_sysvar;

/* redir_build_ok_redirect writes an OK packet with sequence id seq whose
 * session state carries redirect_url = url (one SYSTEM_VARIABLES entry per
 * variable), together with the num_extra variables in extra (pass them to
 * imitate a MariaDB >= 11.5 login OK listing every tracked variable): an entry
 * of extra named redirect_url is written with url as its value, in its place;
 * without one the redirect_url entry comes last. An empty url writes an empty
 * value ("no redirect"). Affected rows, last insert id and warnings are 0, the
 * info is empty, status gets SERVER_SESSION_STATE_CHANGED added. Requires
 * CLIENT_SESSION_TRACK and CLIENT_PROTOCOL_41 in caps
 * (REDIR_E_MISSING_CAPABILITY); REDIR_E_INVALID_ARGUMENT for extra == NULL
 * with num_extra > 0; REDIR_E_FIELD_TOO_LONG when the payload would not fit
 * one packet (0xFFFFFF bytes). */
REDIR_API REDIR_NODISCARD redir_status redir_build_ok_redirect(uint8_t *buf, size_t cap,
                                                               size_t *out_len, uint8_t seq,
                                                               uint64_t caps, uint16_t status,
                                                               redir_span url,
                                                               const redir_sysvar *extra,
                                                               size_t num_extra);

/* redir_build_err_redirect writes an ERR packet (with '#'+sql_state when
 * sql_state is 5 bytes, else without) whose message is "|text|host[:port]";
 * port 0 omits the port. REDIR_E_INVALID_ARGUMENT when text contains '|',
 * when host is empty or contains ':', '|', a space or a control byte (it could
 * not be parsed back), or for code 0xFFFF (a progress report); the message is
 * limited to 511 bytes as servers do (REDIR_E_FIELD_TOO_LONG). */
REDIR_API REDIR_NODISCARD redir_status redir_build_err_redirect(uint8_t *buf, size_t cap,
                                                                size_t *out_len, uint8_t seq,
                                                                uint16_t code,
                                                                redir_span sql_state,
                                                                redir_span text, redir_span host,
                                                                uint16_t port);

typedef enum redir_location_form {
    REDIR_LOCATION_COMMUNITY = 0, /* Location: mysql://[host]:port/?user=U&ttl=N\n */
    REDIR_LOCATION_AZURE = 1      /* Location: mysql://host:port/user=U[&ttl=N] */
} redir_location_form;

/* redir_build_location_ok writes an OK packet whose info is a Location: line
 * (affected rows, last insert id and warnings 0, status as given).
 * ttl < 0 omits it in the Azure form (the community form requires it:
 * REDIR_E_INVALID_ARGUMENT). The info is length-encoded (what servers send).
 * Requires CLIENT_PROTOCOL_41 (REDIR_E_MISSING_CAPABILITY).
 * REDIR_E_INVALID_ARGUMENT for an unknown form, port 0, and a host or user the
 * location grammar (SPEC.md §3.4) could not carry back: an empty or longer
 * than 128 bytes host or user; a host byte outside 0x21..0x7E or one of
 * / ? & @ [ ] (and ':' in the Azure form); a control byte or '&' in the user. */
REDIR_API REDIR_NODISCARD redir_status redir_build_location_ok(
    uint8_t *buf, size_t cap, size_t *out_len, uint8_t seq, uint64_t caps, uint16_t status,
    redir_location_form form, redir_span host, uint16_t port, redir_span user, int64_t ttl);

#ifdef __cplusplus
}
#endif

#endif
