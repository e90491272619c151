/* Table-driven URL grammar tests: one input and the canonical string of its
 * parse ("scheme | user | password | hosts | path | query | ttl", or
 * "ERR E_NAME @offset"). The runner and the formatter live in
 * tests/unit/test_url_common.c. */
#ifndef REDIR_URL_VECTORS_H
#define REDIR_URL_VECTORS_H

#include <stddef.h>

#include "redir/url.h"

struct url_vec {
    const char *in;
    size_t len; /* explicit, so inputs may hold NUL bytes */
    const char *want;
};

/* url_canon writes the canonical string of a parse result into out. */
void url_canon(char *out, size_t cap, redir_grammar g, redir_status st, const redir_diag *d,
               const redir_url *u);

/* url_run_table parses every row under g (input behind a guard page) and
 * asserts its canonical string. */
void url_run_table(redir_grammar g, const struct url_vec *v, size_t n);

#define URL_VEC(lit, want) {lit, sizeof(lit) - 1, want}
#define URL_RUN(grammar, table) url_run_table(grammar, table, sizeof table / sizeof table[0])

#endif
