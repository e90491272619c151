/* The mariadb-server grammar: MariaDB's validate_redirect_url, every vector of
 * the server's own mtr tests and the derived boundary vectors. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/url.h"
#include "testutil.h"
#include "url_vectors.h"

#define V URL_VEC
#define RUN(table) URL_RUN(REDIR_GRAMMAR_MARIADB_SERVER, table)

/* mysql-test/suite/sys_vars/r/redirect.result: every value SET there. The
 * keyword DEFAULT sets "", which is the first row; NULL is rejected before
 * validation and has no string form. */
static const struct url_vec mtr[] = {
    V("", "- | - | - | (none) | - | - | -"),
    V("mariadb.org", "ERR E_URL_SCHEME @7"),
    V("https://mariadb.org", "ERR E_URL_SCHEME @0"),
    V("mysql://mariadb.org:", "ERR E_URL_PORT @20"),
    V("mysql://mariadb.org:hello", "ERR E_URL_PORT @20"),
    V("mysql://", "ERR E_URL_EMPTY @8"),
    V("mysql://mariadb.org", "mysql | - | - | mariadb.org | - | - | -"),
    V("mysql://mariadb.org:12a", "ERR E_URL_TRAILING @22"),
    V("mysql://mariadb.org:66666", "ERR E_URL_PORT_RANGE @24"),
    V("mysql://mariadb.org:12345", "mysql | - | - | mariadb.org:12345 | - | - | -"),
    V("maria", "ERR E_URL_SCHEME @5"),
    V("mariadb://mariadb.org:", "ERR E_URL_PORT @22"),
    V("mariadb://mariadb.org:hello", "ERR E_URL_PORT @22"),
    V("mariadb://", "ERR E_URL_EMPTY @10"),
    V("mariadb://mariadb.org", "mariadb | - | - | mariadb.org | - | - | -"),
    V("mariadb://mariadb.org:12a", "ERR E_URL_TRAILING @24"),
    V("mariadb://mariadb.org:66666", "ERR E_URL_PORT_RANGE @26"),
    V("mariadb://mariadb.org:12345", "mariadb | - | - | mariadb.org:12345 | - | - | -"),
    V("mysql://localhost", "mysql | - | - | localhost | - | - | -"),
    V("mysql://foobar", "mysql | - | - | foobar | - | - | -"),
    /* mdev_32525: rejected at startup */
    V("mariadbaaa://test", "ERR E_URL_SCHEME @7"),
    /* the string 'default', unlike the keyword */
    V("default", "ERR E_URL_SCHEME @0"),
};

Test(url_server, mtr_vectors) { RUN(mtr); }

/* Derived vectors (redirect_spec.md 1.4.2), each checked against the
 * validate_redirect_url source line by line. */
static const struct url_vec derived[] = {
    V("mysql://h:0", "mysql | - | - | h:0 | - | - | -"),
    V("mysql://h:65535", "mysql | - | - | h:65535 | - | - | -"),
    V("mysql://h:65536", "ERR E_URL_PORT_RANGE @14"),
    V("mysql://h:00000065535", "mysql | - | - | h:65535 | - | - | -"),
    V("mysql://h:99999999999", "ERR E_URL_PORT_RANGE @14"),
    V("mysql://:3306", "mysql | - | - | :3306 | - | - | -"),
    V("mysql://:", "ERR E_URL_PORT @9"),
    V("MYSQL://h", "ERR E_URL_SCHEME @0"),
    V("MariaDB://h", "ERR E_URL_SCHEME @0"),
    V("mysql://h/", "mysql | - | - | h/ | - | - | -"),
    V("mysql://h:3306/", "ERR E_URL_TRAILING @14"),
    V("mysql://h/db?x=1", "mysql | - | - | h/db?x=1 | - | - | -"),
    V("mariadb://h:3306?x", "ERR E_URL_TRAILING @16"),
    V("mysql://user@h", "mysql | - | - | user@h | - | - | -"),
    V("mysql://user:pw@h:3306", "ERR E_URL_PORT @13"),
    V("mysql://[::1]", "ERR E_URL_PORT @10"),
    V("mysql://[::1]:3306", "ERR E_URL_PORT @10"),
    V("mysql://::1", "ERR E_URL_PORT @9"),
    V("mysql://fe80::1%eth0", "ERR E_URL_PORT @13"),
    V("mysql://h:+1", "ERR E_URL_PORT @10"),
    V("mysql://h:-1", "ERR E_URL_PORT @10"),
    V("mysql://h: 1", "ERR E_URL_PORT @10"),
    V("mysql://h:1 ", "ERR E_URL_TRAILING @11"),
    V("mysql://h:\t1", "ERR E_URL_PORT @10"),
    V("mysql:// h", "mysql | - | - |  h | - | - | -"),
    V("mysql://h::1", "ERR E_URL_PORT @10"),
    V("mysql://h:1:2", "ERR E_URL_TRAILING @11"),
    V("jdbc:mariadb://h", "ERR E_URL_SCHEME @0"),
    V("mysql:/h", "ERR E_URL_SCHEME @7"),
    V("mysql:h", "ERR E_URL_SCHEME @6"),
    V("mariadbaaa://test", "ERR E_URL_SCHEME @7"),
    V("mysql://h%3A1", "mysql | - | - | h%3A1 | - | - | -"),
    V("mysql://\xc3\xa4.example:1", "mysql | - | - | \\xc3\\xa4.example:1 | - | - | -"),
};

Test(url_server, derived_vectors) { RUN(derived); }

static const struct url_vec quirks[] = {
    /* the host is everything before the first ':', even after a '/' */
    V("mysql://h/x:1", "mysql | - | - | h/x:1 | - | - | -"),
    V("mysql://[x", "mysql | - | - | [x | - | - | -"),
    V("mysql://@", "mysql | - | - | @ | - | - | -"),
    V("mysql://?", "mysql | - | - | ? | - | - | -"),
    V("mysql://h:1/", "ERR E_URL_TRAILING @11"),
    V("mysql://h:1a2", "ERR E_URL_TRAILING @11"),
    V("mysql://h:a1", "ERR E_URL_PORT @10"),
    V("mysql://h:\xd9\xa3", "ERR E_URL_PORT @10"), /* an Arabic-Indic digit is no digit */
    V("mysql://h:65530", "mysql | - | - | h:65530 | - | - | -"),
    V("mysql://h:655350", "ERR E_URL_PORT_RANGE @15"),
    V("mysql://h:6553", "mysql | - | - | h:6553 | - | - | -"),
    V("mysq", "ERR E_URL_SCHEME @4"),
    V("mysql:/", "ERR E_URL_SCHEME @7"),
    V("mariadb:/", "ERR E_URL_SCHEME @9"),
    V("m", "ERR E_URL_SCHEME @1"),
    V("x", "ERR E_URL_SCHEME @0"),
    V(" mysql://h", "ERR E_URL_SCHEME @0"),
    /* embedded NUL bytes are ordinary host bytes, but not digits */
    V("mysql://h\0x", "mysql | - | - | h\\x00x | - | - | -"),
    V("mysql://\0", "mysql | - | - | \\x00 | - | - | -"),
    V("mysql://h:1\0", "ERR E_URL_TRAILING @11"),
    V("mysql://h:\0", "ERR E_URL_PORT @10"),
    V("mysql:/\0/h", "ERR E_URL_SCHEME @7"),
    V("\0", "ERR E_URL_SCHEME @0"),
};

Test(url_server, quirks_and_nul_bytes) { RUN(quirks); }

/* The server reads the NUL after the last port digit; here the input ends at
 * an unmapped page, so any such read would fault. */
Test(url_server, port_at_end_of_buffer_is_not_overread) {
    const char *ins[] = {"mysql://h:1", "mysql://h:65535", "mysql://:0", "mariadb://h:"};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++) {
        size_t len = strlen(ins[i]);
        const char *g = (const char *)guard_copy(0, ins[i], len);
        redir_url u;
        redir_diag d;
        redir_status st = redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, (const uint8_t *)g, len);
        cr_assert(eq(int, st, i == 3 ? REDIR_E_URL_PORT : REDIR_OK), "%s", ins[i]);
    }
}

Test(url_server, long_inputs) {
    static char buf[60000];
    memcpy(buf, "mysql://", 8);
    memset(buf + 8, 'a', sizeof buf - 8);
    const char *g = (const char *)guard_copy(0, buf, sizeof buf);
    redir_url u;
    redir_diag d;
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, (const uint8_t *)g, sizeof buf),
                 REDIR_OK));
    cr_assert(eq(sz, u.hosts[0].host.len, sizeof buf - 8));
    cr_assert(u.hosts[0].host.ptr == (const uint8_t *)g + 8);
    cr_assert(eq(int, u.hosts[0].has_port, 0));
    /* a port of 50000 leading zeros and a 1 */
    memcpy(buf + 8, "h:", 2);
    memset(buf + 10, '0', sizeof buf - 11);
    buf[sizeof buf - 1] = '1';
    g = (const char *)guard_copy(0, buf, sizeof buf);
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, (const uint8_t *)g, sizeof buf),
                 REDIR_OK));
    cr_assert(eq(u16, u.hosts[0].port, 1));
    cr_assert(eq(int, u.hosts[0].has_port, 1));
    buf[sizeof buf - 1] = 'x';
    g = (const char *)guard_copy(0, buf, sizeof buf);
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, (const uint8_t *)g, sizeof buf),
                 REDIR_E_URL_TRAILING));
    cr_assert(eq(sz, d.offset, sizeof buf - 1));
}

Test(url_server, spans_point_into_the_input) {
    const char *in = "mariadb://db2.example.com:3307";
    redir_url u;
    redir_diag d;
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_MARIADB_SERVER, (const uint8_t *)in, strlen(in)),
                 REDIR_OK));
    cr_assert(u.scheme.ptr == (const uint8_t *)in);
    cr_assert(eq(sz, u.scheme.len, 7));
    cr_assert(u.hosts[0].host.ptr == (const uint8_t *)in + 10);
    cr_assert(eq(sz, u.hosts[0].host.len, 15));
    cr_assert(eq(u16, u.hosts[0].port, 3307));
    cr_assert(eq(int, u.has_user, 0));
    cr_assert(eq(int, u.has_path, 0));
    cr_assert(eq(int, u.hosts[0].bracketed, 0));
}
