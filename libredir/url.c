/* The URL entry point: grammar names and the dispatch to each grammar. */
#include <string.h>

#include "reader.h"
#include "url_grammars.h"

static const char *const grammar_names[] = {"mariadb-server", "connector", "multi", "location"};

#define NUM_GRAMMARS (sizeof grammar_names / sizeof grammar_names[0])

const char *redir_grammar_name(redir_grammar g) {
    if ((unsigned)g >= NUM_GRAMMARS) {
        return NULL;
    }
    return grammar_names[g];
}

bool redir_grammar_from_name(redir_grammar *out, const char *name) {
    if (name == NULL) {
        return false;
    }
    for (size_t i = 0; i < NUM_GRAMMARS; i++) {
        if (strcmp(name, grammar_names[i]) == 0) {
            if (out != NULL) {
                *out = (redir_grammar)i;
            }
            return true;
        }
    }
    return false;
}

/* Only what the grammars may set is cleared: the fields around the host array
 * and its first entry (the multi grammar clears each further entry it fills).
 * Field by field: a memset of these ranges compiles to "rep stos", whose
 * start-up alone costs more than parsing a short URL. */
static void url_clear_used(redir_url *u) {
    static const redir_span none = {NULL, 0};
    static const redir_url_host no_host = {{NULL, 0}, false, false, 0, {NULL, 0}};
    u->scheme = none;
    u->mode = none;
    u->has_user = false;
    u->user = none;
    u->has_password = false;
    u->password = none;
    u->num_hosts = 0;
    u->hosts[0] = no_host;
    u->has_path = false;
    u->database = none;
    u->has_query = false;
    u->query = none;
    u->has_ttl = false;
    u->ttl = 0;
    u->location_azure = false;
    u->location_newline = false;
}

redir_status redir_url_parse(redir_url *out, redir_diag *diag, redir_grammar g, const uint8_t *in,
                             size_t in_len) {
    if (out == NULL || (in == NULL && in_len > 0)) {
        return rd_fail(diag, REDIR_E_INVALID_ARGUMENT, 0, 0);
    }
    url_clear_used(out);
    const uint8_t *s = (const uint8_t *)in;
    redir_status st;
    switch (g) {
    case REDIR_GRAMMAR_MARIADB_SERVER:
        st = redir__url_parse_server(out, diag, s, in_len);
        break;
    case REDIR_GRAMMAR_CONNECTOR:
        st = redir__url_parse_connector(out, diag, s, in_len);
        break;
    case REDIR_GRAMMAR_MULTI:
        st = redir__url_parse_multi(out, diag, s, in_len);
        break;
    case REDIR_GRAMMAR_LOCATION:
        st = redir__url_parse_location(out, diag, s, in_len);
        break;
    default:
        return rd_fail(diag, REDIR_E_INVALID_ARGUMENT, 0, 0);
    }
    if (st != REDIR_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}
