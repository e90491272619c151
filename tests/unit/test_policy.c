#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redir/policy.h"

static redir_span S(const char *s) { return redir_span_of(s, strlen(s)); }

static bool same_str(const char *a, const char *b) {
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The starting point of every row: a session-track redirect received in an
 * idle OK on a verified TLS connection, first hop, default policy. Each row
 * changes what its condition needs; the earlier rows' conditions stay false. */
static void base(redir_policy *p, redir_conn_state *s, redir_instruction *ins) {
    redir_policy_init(p);
    memset(s, 0, sizeof *s);
    s->tls_requested = true;
    s->tls_established = true;
    s->cert_verified = true;
    s->server_status = REDIR_STATUS_AUTOCOMMIT | REDIR_STATUS_SESSION_STATE_CHANGED;
    s->current_host = S("db1.example.com");
    s->current_port = 3306;
    memset(ins, 0, sizeof *ins);
    ins->carrier = REDIR_CARRIER_SESSION_TRACK;
    ins->raw = S("mariadb://db2.example.com:3306");
    ins->scheme = S("mariadb");
    ins->host = S("db2.example.com");
    ins->port = 3306;
    ins->has_port = true;
}

static const redir_span VISITED_DB2[] = {{(const uint8_t *)"db2.example.com:3306", 20}};

static void r_disabled(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)s, (void)i;
    p->permit = REDIR_PERMIT_NEVER;
}
static void r_invalid(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)s;
    i->host = redir_span_of(NULL, 0);
}
static void r_err_after_login(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p;
    i->carrier = REDIR_CARRIER_ERR;
    s->login_phase = false;
}
static void r_location_after_login(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p;
    i->carrier = REDIR_CARRIER_LOCATION;
    s->login_phase = false;
}
static void r_before_tls(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p;
    i->carrier = REDIR_CARRIER_ERR;
    s->login_phase = true;
    s->before_tls = true;
    s->tls_established = false;
    s->cert_verified = false;
}
static void r_downgrade(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)i;
    p->permit = REDIR_PERMIT_ALWAYS;
    s->tls_established = false;
    s->cert_verified = false;
}
static void r_no_tls(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)i;
    s->tls_requested = false;
    s->tls_established = false;
    s->cert_verified = false;
}
static void r_unverified(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)i;
    s->cert_verified = false;
}
static void r_same(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)i;
    s->current_host = S("DB2.Example.COM");
}
static void r_loop(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)i;
    s->visited = VISITED_DB2;
    s->num_visited = 1;
}
static void r_hops(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)i;
    s->hops = 1;
}
static void r_in_trans(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)i;
    s->server_status |= REDIR_STATUS_IN_TRANS;
}
static void r_more(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)i;
    s->server_status |= REDIR_STATUS_MORE_RESULTS_EXISTS;
}
static void r_in_flight(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)i;
    s->commands_in_flight = 2;
}
static void r_follow(redir_policy *p, redir_conn_state *s, redir_instruction *i) {
    (void)p, (void)s, (void)i;
}

struct row {
    int number; /* the row number in SPEC.md's decision table */
    void (*apply)(redir_policy *, redir_conn_state *, redir_instruction *);
    redir_decision decision;
    redir_reason reason;
};

/* Exactly the rows of the decision table in SPEC.md §5.2, in order. */
static const struct row TABLE[] = {
    {1, r_disabled, REDIR_DECISION_REFUSE, REDIR_REASON_DISABLED},
    {2, r_invalid, REDIR_DECISION_REFUSE, REDIR_REASON_INVALID_TARGET},
    {3, r_err_after_login, REDIR_DECISION_REFUSE, REDIR_REASON_CARRIER_NOT_ALLOWED},
    {4, r_location_after_login, REDIR_DECISION_REFUSE, REDIR_REASON_CARRIER_NOT_ALLOWED},
    {5, r_before_tls, REDIR_DECISION_REFUSE, REDIR_REASON_BEFORE_TLS},
    {6, r_downgrade, REDIR_DECISION_REFUSE, REDIR_REASON_TLS_DOWNGRADE},
    {7, r_no_tls, REDIR_DECISION_REFUSE, REDIR_REASON_NOT_PERMITTED_WITHOUT_TLS},
    {8, r_unverified, REDIR_DECISION_REFUSE, REDIR_REASON_NOT_PERMITTED_UNVERIFIED},
    {9, r_same, REDIR_DECISION_REFUSE, REDIR_REASON_SAME_SERVER},
    {10, r_loop, REDIR_DECISION_REFUSE, REDIR_REASON_LOOP},
    {11, r_hops, REDIR_DECISION_REFUSE, REDIR_REASON_HOP_LIMIT},
    {12, r_in_trans, REDIR_DECISION_DEFER, REDIR_REASON_IN_TRANSACTION},
    {13, r_more, REDIR_DECISION_DEFER, REDIR_REASON_MORE_RESULTS},
    {14, r_in_flight, REDIR_DECISION_DEFER, REDIR_REASON_COMMANDS_IN_FLIGHT},
    {15, r_follow, REDIR_DECISION_FOLLOW, REDIR_REASON_FOLLOW_OK},
};
#define NROWS (sizeof TABLE / sizeof TABLE[0])

static redir_decision run(void (*apply)(redir_policy *, redir_conn_state *, redir_instruction *),
                          redir_reason *reason) {
    redir_policy p;
    redir_conn_state s;
    redir_instruction ins;
    base(&p, &s, &ins);
    apply(&p, &s, &ins);
    *reason = (redir_reason)-1;
    return redir_policy_decide(reason, &p, &s, &ins);
}

Test(policy, decision_table_rows) {
    for (size_t i = 0; i < NROWS; i++) {
        redir_reason r;
        redir_decision d = run(TABLE[i].apply, &r);
        cr_assert(eq(int, d, TABLE[i].decision), "row %d", TABLE[i].number);
        cr_assert(eq(int, r, TABLE[i].reason), "row %d: got %s", TABLE[i].number,
                  redir_reason_name(r));
    }
}

/* Reads SPEC.md's decision table (the rows between the decision-table
 * markers) and checks it lists the same rows, decisions and reason names, in
 * the same order, as TABLE above. */
Test(policy, spec_table_matches_tests) {
    char path[1024];
    snprintf(path, sizeof path, "%s/SPEC.md", REDIR_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL, "cannot open %s", path);
    char line[2048];
    bool inside = false;
    size_t seen = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, "<!-- decision-table:begin -->") != NULL) {
            inside = true;
            continue;
        }
        if (strstr(line, "<!-- decision-table:end -->") != NULL) {
            break;
        }
        if (!inside || line[0] != '|') {
            continue;
        }
        int number = atoi(line + 1);
        if (number <= 0) {
            continue; /* header and separator lines */
        }
        /* columns: | n | condition | decision | reason | */
        char *cols[6] = {0};
        size_t ncols = 0;
        for (char *p = line; *p != '\0' && ncols < 6; p++) {
            if (*p == '|') {
                cols[ncols++] = p + 1;
            }
        }
        cr_assert(ncols >= 5, "row %d has %zu columns", number, ncols);
        char decision[64] = {0};
        char reason[64] = {0};
        cr_assert(eq(int, sscanf(cols[2], " %63[a-z] ", decision), 1), "row %d", number);
        cr_assert(eq(int, sscanf(cols[3], " `%63[a-z-]`", reason), 1), "row %d", number);
        cr_assert(seen < NROWS, "SPEC.md has more rows than the tests");
        const struct row *t = &TABLE[seen];
        cr_assert(eq(int, number, t->number));
        cr_assert(same_str(decision, redir_decision_name(t->decision)), "row %d", number);
        cr_assert(same_str(reason, redir_reason_name(t->reason)), "row %d", number);
        seen++;
    }
    fclose(f);
    cr_assert(eq(sz, seen, NROWS), "SPEC.md lists %zu rows", seen);
}

/* The doc comment of redir_policy_decide in policy.h lists the same rows. */
Test(policy, header_table_matches_tests) {
    char path[1024];
    snprintf(path, sizeof path, "%s/include/redir/policy.h", REDIR_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    cr_assert(f != NULL, "cannot open %s", path);
    char line[512];
    size_t seen = 0;
    bool inside = false;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, "redir_policy_decide applies") != NULL) {
            inside = true;
            continue;
        }
        if (!inside) {
            continue;
        }
        if (strstr(line, "*/") != NULL) {
            break;
        }
        int number = 0;
        if (sscanf(line, " * %d", &number) != 1 || number <= 0) {
            continue;
        }
        /* the last two words: decision and REASON */
        char *words[64];
        size_t nw = 0;
        for (char *t = strtok(line, " \t\n"); t != NULL && nw < 64; t = strtok(NULL, " \t\n")) {
            words[nw++] = t;
        }
        cr_assert(nw >= 3, "row %d", number);
        char want[64];
        size_t k = 0;
        for (const char *c = words[nw - 1]; *c != '\0' && k + 1 < sizeof want; c++) {
            want[k++] = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
        }
        want[k] = '\0';
        cr_assert(seen < NROWS, "policy.h lists more rows than the tests");
        const struct row *t = &TABLE[seen];
        cr_assert(eq(int, number, t->number));
        cr_assert(same_str(words[nw - 2], redir_decision_name(t->decision)), "row %d", number);
        cr_assert(same_str(want, redir_reason_name(t->reason)), "row %d", number);
        seen++;
    }
    fclose(f);
    cr_assert(eq(sz, seen, NROWS), "policy.h lists %zu rows", seen);
}

Test(policy, defaults) {
    redir_policy p;
    memset(&p, 0xAB, sizeof p);
    redir_policy_init(&p);
    cr_assert(eq(int, p.permit, REDIR_PERMIT_DEFAULT));
    cr_assert(eq(uint, p.max_hops, 1));
    cr_assert(p.allow_err_carrier == true);
    cr_assert(p.allow_location_carrier == true);
}

/* Rows are checked in order: with every refusal condition present at once,
 * each is removed in turn and the next one in the table decides. */
Test(policy, first_matching_row_decides) {
    redir_policy p;
    redir_conn_state s;
    redir_instruction ins;
    base(&p, &s, &ins);
    redir_reason r;
    p.permit = REDIR_PERMIT_NEVER;
    ins.carrier = REDIR_CARRIER_ERR;
    s.login_phase = false;
    s.before_tls = true;
    s.tls_established = false;
    s.cert_verified = false;
    s.current_host = S("db2.example.com");
    s.hops = 5;
    s.server_status = REDIR_STATUS_IN_TRANS | REDIR_STATUS_MORE_RESULTS_EXISTS;
    s.commands_in_flight = 1;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_DISABLED));
    p.permit = REDIR_PERMIT_DEFAULT;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_CARRIER_NOT_ALLOWED));
    s.login_phase = true;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_BEFORE_TLS));
    s.before_tls = false;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_TLS_DOWNGRADE));
    s.tls_requested = false;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_NOT_PERMITTED_WITHOUT_TLS));
    s.tls_established = true;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_NOT_PERMITTED_UNVERIFIED));
    s.cert_verified = true;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_SAME_SERVER));
    s.current_host = S("db1.example.com");
    s.visited = VISITED_DB2;
    s.num_visited = 1;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_LOOP));
    s.num_visited = 0;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_HOP_LIMIT));
    s.hops = 0;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_DEFER));
    cr_assert(eq(int, r, REDIR_REASON_IN_TRANSACTION));
    s.server_status = REDIR_STATUS_MORE_RESULTS_EXISTS;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_DEFER));
    cr_assert(eq(int, r, REDIR_REASON_MORE_RESULTS));
    s.server_status = 0;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_DEFER));
    cr_assert(eq(int, r, REDIR_REASON_COMMANDS_IN_FLIGHT));
    s.commands_in_flight = 0;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    cr_assert(eq(int, r, REDIR_REASON_FOLLOW_OK));
}

Test(policy, permit_always_follows_in_plaintext_but_never_before_tls_or_downgraded) {
    redir_policy p;
    redir_conn_state s;
    redir_instruction ins;
    base(&p, &s, &ins);
    p.permit = REDIR_PERMIT_ALWAYS;
    s.tls_requested = false;
    s.tls_established = false;
    s.cert_verified = false;
    redir_reason r;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    cr_assert(eq(int, r, REDIR_REASON_FOLLOW_OK));
    /* TLS without verification is enough for ALWAYS */
    s.tls_requested = true;
    s.tls_established = true;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    s.tls_established = false;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_TLS_DOWNGRADE));
    s.before_tls = true;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_BEFORE_TLS));
}

Test(policy, login_carriers_accepted_in_login_phase_unless_disabled) {
    redir_policy p;
    redir_conn_state s;
    redir_instruction ins;
    redir_reason r;
    redir_carrier carriers[] = {REDIR_CARRIER_ERR, REDIR_CARRIER_LOCATION};
    for (size_t k = 0; k < 2; k++) {
        base(&p, &s, &ins);
        ins.carrier = carriers[k];
        s.login_phase = true;
        s.server_status = 0;
        cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
        if (carriers[k] == REDIR_CARRIER_ERR) {
            p.allow_err_carrier = false;
        } else {
            p.allow_location_carrier = false;
        }
        cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
        cr_assert(eq(int, r, REDIR_REASON_CARRIER_NOT_ALLOWED));
    }
    /* the session-track carrier is accepted in both phases */
    base(&p, &s, &ins);
    s.login_phase = true;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    /* an unknown carrier value is refused */
    ins.carrier = (redir_carrier)7;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_CARRIER_NOT_ALLOWED));
}

Test(policy, invalid_targets) {
    redir_policy p;
    redir_conn_state s;
    redir_instruction ins;
    redir_reason r;
    base(&p, &s, &ins);
    ins.port = 0;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_INVALID_TARGET));
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, NULL), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_INVALID_TARGET));
    r = REDIR_REASON_FOLLOW_OK;
    cr_assert(eq(int, redir_policy_decide(&r, NULL, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_INVALID_TARGET));
    r = REDIR_REASON_FOLLOW_OK;
    cr_assert(eq(int, redir_policy_decide(&r, &p, NULL, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_INVALID_TARGET));
    cr_assert(eq(int, redir_policy_decide(NULL, &p, NULL, &ins), REDIR_DECISION_REFUSE));
    /* an out-of-range permit value is treated as NEVER */
    base(&p, &s, &ins);
    p.permit = (redir_permit)9;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_DISABLED));
}

Test(policy, same_server_comparison) {
    redir_policy p;
    redir_conn_state s;
    redir_instruction ins;
    redir_reason r;
    base(&p, &s, &ins);
    /* same name, other port: a different server */
    s.current_host = S("db2.example.com");
    s.current_port = 3307;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    /* percent-encoded URL host, different case */
    s.current_port = 3306;
    s.current_host = S("DB-two");
    ins.host = S("db%2dTWO");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_SAME_SERVER));
    /* escapes are not decoded for the ERR carrier, whose host is plain text */
    ins.carrier = REDIR_CARRIER_ERR;
    s.login_phase = true;
    s.server_status = 0;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    /* a malformed escape stands for itself */
    ins.carrier = REDIR_CARRIER_SESSION_TRACK;
    ins.host = S("db%zz");
    s.current_host = S("DB%ZZ");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_SAME_SERVER));
    /* prefix is not equality */
    s.current_host = S("db%zz.x");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    ins.host = S("db%2");
    s.current_host = S("db%2");
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_SAME_SERVER));
}

struct visited_vec {
    const char *entry;
    const char *host;
    uint16_t port;
    bool loop;
};

Test(policy, visited_entry_forms) {
    static const struct visited_vec v[] = {
        {"db2.example.com:3306", "db2.example.com", 3306, true},
        {"DB2.example.com", "db2.example.com", 3306, true}, /* no port: 3306 */
        {"db2.example.com:3307", "db2.example.com", 3306, false},
        {"db2.example.com:", "db2.example.com", 3306, false},   /* malformed: ignored */
        {"db2.example.com:x1", "db2.example.com", 3306, false}, /* malformed: ignored */
        {"db2.example.com:70000", "db2.example.com", 3306, false},
        {"[2001:db8::1]:3307", "2001:db8::1", 3307, true},
        {"[2001:db8::1]", "2001:DB8::1", 3306, true},
        {"[2001:db8::1]x", "2001:db8::1", 3306, false},
        {"[2001:db8::1", "2001:db8::1", 3306, false},
        {"2001:db8::1", "2001:db8::1", 3306, true}, /* several ':' : all host */
        {"", "db2.example.com", 3306, false},
        {"db2.example.com:03306", "db2.example.com", 3306, true},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        redir_policy p;
        redir_conn_state s;
        redir_instruction ins;
        redir_reason r;
        base(&p, &s, &ins);
        redir_span visited[2] = {S("other:1"), S(v[i].entry)};
        s.visited = visited;
        s.num_visited = 2;
        ins.host = S(v[i].host);
        ins.port = v[i].port;
        redir_decision d = redir_policy_decide(&r, &p, &s, &ins);
        if (v[i].loop) {
            cr_assert(eq(int, d, REDIR_DECISION_REFUSE), "%s", v[i].entry);
            cr_assert(eq(int, r, REDIR_REASON_LOOP), "%s", v[i].entry);
        } else {
            cr_assert(eq(int, d, REDIR_DECISION_FOLLOW), "%s", v[i].entry);
        }
    }
}

Test(policy, hop_limit) {
    redir_policy p;
    redir_conn_state s;
    redir_instruction ins;
    redir_reason r;
    base(&p, &s, &ins);
    p.max_hops = 3;
    s.hops = 2;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_FOLLOW));
    s.hops = 3;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_HOP_LIMIT));
    p.max_hops = 0;
    s.hops = 0;
    cr_assert(eq(int, redir_policy_decide(&r, &p, &s, &ins), REDIR_DECISION_REFUSE));
    cr_assert(eq(int, r, REDIR_REASON_HOP_LIMIT));
}

/* The reason names are the enum names in lower case with '-' for '_'. */
Test(policy, reason_names_follow_the_list) {
    static const char *const enum_names[] = {
#define NAME_(name, msg) #name,
        REDIR_REASON_LIST(NAME_)
#undef NAME_
    };
    static const char *const messages[] = {
#define MSG_(name, msg) msg,
        REDIR_REASON_LIST(MSG_)
#undef MSG_
    };
    cr_assert(eq(sz, sizeof enum_names / sizeof enum_names[0], (size_t)REDIR_REASON_COUNT_));
    for (int i = 0; i < REDIR_REASON_COUNT_; i++) {
        char want[64];
        size_t k = 0;
        for (const char *c = enum_names[i]; *c != '\0' && k + 1 < sizeof want; c++) {
            want[k++] = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
        }
        want[k] = '\0';
        cr_assert(same_str(redir_reason_name((redir_reason)i), want));
        cr_assert(same_str(redir_reason_message((redir_reason)i), messages[i]));
    }
    cr_assert(redir_reason_name(REDIR_REASON_COUNT_) == NULL);
    cr_assert(redir_reason_message((redir_reason)-1) == NULL);
    cr_assert(same_str(redir_decision_name(REDIR_DECISION_FOLLOW), "follow"));
    cr_assert(same_str(redir_decision_name(REDIR_DECISION_DEFER), "defer"));
    cr_assert(same_str(redir_decision_name(REDIR_DECISION_REFUSE), "refuse"));
    cr_assert(redir_decision_name((redir_decision)3) == NULL);
}

/* ---------------------------------------------------------------- cache */

Test(cache, store_lookup_expiry) {
    redir_target_cache c;
    redir_target_cache_init(&c);
    redir_span t;
    uint16_t tp = 0;
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("gw"), 3306, 0), REDIR_NOT_FOUND));
    cr_assert(eq(int, redir_target_cache_store(&c, S("gw.example.com"), 3306, S("db7.example.com"), 3310,
                                        1000, 5000),
                 REDIR_OK));
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("GW.example.com"), 3306, 5999), REDIR_OK));
    cr_assert(eq(sz, t.len, 15));
    cr_assert(eq(int, memcmp(t.ptr, "db7.example.com", 15), 0));
    cr_assert(t.ptr == c.target, "the span views the cache's own copy");
    cr_assert(eq(u16, tp, 3310));
    /* other origin or port: not found, entry kept */
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("gw.example.org"), 3306, 5000),
                 REDIR_NOT_FOUND));
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("gw.example.com"), 3307, 5000),
                 REDIR_NOT_FOUND));
    cr_assert(c.valid == true);
    /* expiry is exclusive: at now == stored + ttl the entry is gone, and cleared */
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("gw.example.com"), 3306, 6000),
                 REDIR_NOT_FOUND));
    cr_assert(c.valid == false);
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("gw.example.com"), 3306, 5500),
                 REDIR_NOT_FOUND));
}

Test(cache, copies_are_owned) {
    redir_target_cache c;
    redir_target_cache_init(&c);
    char origin[] = "gw";
    char target[] = "db2";
    cr_assert(eq(int, redir_target_cache_store(&c, S(origin), 1, S(target), 2, 10, 0), REDIR_OK));
    origin[0] = 'x';
    target[0] = 'x';
    redir_span t;
    uint16_t tp;
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("gw"), 1, 1), REDIR_OK));
    cr_assert(eq(int, memcmp(t.ptr, "db2", 3), 0));
}

Test(cache, one_entry_replaced) {
    redir_target_cache c;
    redir_target_cache_init(&c);
    redir_span t;
    uint16_t tp;
    cr_assert(eq(int, redir_target_cache_store(&c, S("a"), 1, S("b"), 2, 100, 0), REDIR_OK));
    cr_assert(eq(int, redir_target_cache_store(&c, S("c"), 3, S("d"), 4, 100, 0), REDIR_OK));
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("a"), 1, 1), REDIR_NOT_FOUND));
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("c"), 3, 1), REDIR_OK));
    cr_assert(eq(u16, tp, 4));
}

Test(cache, invalidate) {
    redir_target_cache c;
    redir_target_cache_init(&c);
    redir_span t;
    uint16_t tp;
    cr_assert(eq(int, redir_target_cache_store(&c, S("a"), 1, S("b"), 2, 100, 0), REDIR_OK));
    redir_target_cache_invalidate(&c);
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("a"), 1, 1), REDIR_NOT_FOUND));
}

Test(cache, ttl_zero_clears) {
    redir_target_cache c;
    redir_target_cache_init(&c);
    redir_span t;
    uint16_t tp;
    cr_assert(eq(int, redir_target_cache_store(&c, S("a"), 1, S("b"), 2, 100, 0), REDIR_OK));
    cr_assert(eq(int, redir_target_cache_store(&c, S("a"), 1, S("c"), 2, 0, 0), REDIR_OK));
    cr_assert(c.valid == false);
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("a"), 1, 0), REDIR_NOT_FOUND));
}

Test(cache, too_long_rejected_entry_kept) {
    redir_target_cache c;
    redir_target_cache_init(&c);
    static char longest[REDIR_CACHE_HOST_MAX + 1];
    memset(longest, 'h', REDIR_CACHE_HOST_MAX + 1);
    redir_span t;
    uint16_t tp;
    cr_assert(eq(int, redir_target_cache_store(&c, S("a"), 1, S("b"), 2, 100, 0), REDIR_OK));
    cr_assert(eq(int,
                 redir_target_cache_store(&c, S("a"), 1, redir_span_of(longest, REDIR_CACHE_HOST_MAX + 1),
                                   2, 100, 0),
                 REDIR_E_FIELD_TOO_LONG));
    cr_assert(eq(int,
                 redir_target_cache_store(&c, redir_span_of(longest, REDIR_CACHE_HOST_MAX + 1), 1, S("b"),
                                   2, 100, 0),
                 REDIR_E_FIELD_TOO_LONG));
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("a"), 1, 1), REDIR_OK));
    cr_assert(eq(int, memcmp(t.ptr, "b", 1), 0));
    /* exactly the maximum fits */
    cr_assert(eq(int,
                 redir_target_cache_store(&c, S("a"), 1, redir_span_of(longest, REDIR_CACHE_HOST_MAX), 2,
                                   100, 0),
                 REDIR_OK));
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("a"), 1, 1), REDIR_OK));
    cr_assert(eq(sz, t.len, REDIR_CACHE_HOST_MAX));
}

Test(cache, huge_ttl_saturates) {
    redir_target_cache c;
    redir_target_cache_init(&c);
    redir_span t;
    uint16_t tp;
    cr_assert(eq(int, redir_target_cache_store(&c, S("a"), 1, S("b"), 2, UINT64_MAX, 10), REDIR_OK));
    cr_assert(eq(u64, c.expires_ms, UINT64_MAX));
    cr_assert(eq(int, redir_target_cache_lookup(&c, &t, &tp, S("a"), 1, UINT64_MAX - 1), REDIR_OK));
}
