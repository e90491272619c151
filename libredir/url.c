/* The URL entry point: grammar names and the dispatch to each grammar. */
#include <stddef.h>
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

bool redir_grammar_from_name(const char *name, redir_grammar *out) {
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

redir_status redir_url_parse(redir_url *out, redir_diag *diag, redir_grammar g, const char *in,
                             size_t in_len) {
    if (out == NULL || (in == NULL && in_len > 0)) {
        return rd_fail(diag, REDIR_E_INVALID_ARGUMENT, 0, 0);
    }
    /* Only what the grammars may set is cleared: the fields around the host
     * array and its first entry (the multi grammar clears each further entry
     * it fills). Clearing all 16 entries would cost more than the parse. */
    memset(out, 0, offsetof(redir_url, hosts) + sizeof out->hosts[0]);
    memset(&out->has_path, 0, sizeof *out - offsetof(redir_url, has_path));
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
