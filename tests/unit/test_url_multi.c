/* The multi grammar (Connector/J 2.x host lists). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "redir/url.h"
#include "testutil.h"
#include "url_vectors.h"

#define V URL_VEC
#define RUN(table) URL_RUN(REDIR_GRAMMAR_MULTI, table)

static const struct url_vec valid[] = {
    V("mysql://h", "mysql | - | - | h | - | - | -"),
    V("mysql://h/", "mysql | - | - | h | / | - | -"),
    V("mysql:replication://db1,db2:3307/app?ttl=5",
      "mysql:replication | - | - | db1,db2:3307 | /app | ?ttl=5 | 5"),
    V("jdbc:mariadb:loadbalance://h1,h2", "mariadb:loadbalance | - | - | h1,h2 | - | - | -"),
    V("jdbc:mysql://h", "mysql | - | - | h | - | - | -"),
    V("mariadb:sequential://h?x=1", "mariadb:sequential | - | - | h | - | ?x=1 | -"),
    V("mysql:REPLICATION://h", "mysql:REPLICATION | - | - | h | - | - | -"),
    V("mysql://address=(host=db1)(port=3307)(type=master),address=(host=db2)(type=slave)/db",
      "mysql | - | - | db1:3307/master,db2/slave | /db | - | -"),
    V("mysql://address=(type=SLAVE)(host=[::1])(port=1)",
      "mysql | - | - | [::1]:1/SLAVE | - | - | -"),
    V("mysql://address=(host=::1)", "mysql | - | - | [::1] | - | - | -"),
    V("mysql://address=(HOST=db1)(Port=0)", "mysql | - | - | db1:0 | - | - | -"),
    V("mysql://[::1]:3306,[fe80::1%25eth0]",
      "mysql | - | - | [::1]:3306,[fe80::1%25eth0] | - | - | -"),
    V("mysql://h1:1,address=(host=h2),h3/?ttl=7", "mysql | - | - | h1:1,h2,h3 | / | ?ttl=7 | 7"),
    V("mysql://h%41,b", "mysql | - | - | h%41,b | - | - | -"),
};

Test(url_multi, valid) { RUN(valid); }

static const struct url_vec errors[] = {
    V("", "ERR E_URL_SCHEME @0"),
    V("postgres://h", "ERR E_URL_SCHEME @0"),
    V("jdbc:h", "ERR E_URL_SCHEME @5"),
    V("MYSQL://h", "ERR E_URL_SCHEME @0"),
    V("mysql:failover://h", "ERR E_URL_SCHEME @6"),
    V("mysql:aurora://h", "ERR E_URL_SCHEME @6"),
    V("mysql:replication", "ERR E_URL_SCHEME @6"),
    V("mysql:replication:/h", "ERR E_URL_SCHEME @19"),
    V("mysql:/h", "ERR E_URL_SCHEME @7"),
    V("mysql:", "ERR E_URL_SCHEME @6"),
    V("mysql://", "ERR E_URL_EMPTY @8"),
    V("mysql:///db", "ERR E_URL_HOST @8"),
    V("mysql://?x", "ERR E_URL_HOST @8"),
    V("mysql://h1,,h2", "ERR E_URL_HOST @11"),
    V("mysql://,h", "ERR E_URL_HOST @8"),
    V("mysql://h,", "ERR E_URL_HOST @10"),
    V("mysql://h1,h2:x", "ERR E_URL_PORT @14"),
    V("mysql://h1,h2:70000", "ERR E_URL_PORT_RANGE @18"),
    V("mysql://h@x", "ERR E_URL_CHAR @9"),
    V("mysql://u:p@h", "ERR E_URL_PORT @10"),
    V("mysql://h(x)", "ERR E_URL_CHAR @9"),
    V("mysql://ADDRESS=(host=a)", "ERR E_URL_CHAR @16"),
    V("mysql://[::1", "ERR E_URL_IPV6 @12"),
    V("mysql://[::1],[x]", "ERR E_URL_IPV6 @15"),
    V("mysql://address=", "ERR E_URL_ADDRESS @16"),
    V("mysql://address=(host=db1", "ERR E_URL_ADDRESS @25"),
    V("mysql://address=host=db1", "ERR E_URL_ADDRESS @16"),
    V("mysql://address=(port=1)", "ERR E_URL_ADDRESS @24"),
    V("mysql://address=(host=a)(host=b)", "ERR E_URL_ADDRESS @25"),
    V("mysql://address=(user=a)", "ERR E_URL_ADDRESS @17"),
    V("mysql://address=(host=a)(type=primary)", "ERR E_URL_ADDRESS @30"),
    V("mysql://address=(host=a)(port=99999)", "ERR E_URL_PORT_RANGE @34"),
    V("mysql://address=(host=a)(port=)", "ERR E_URL_PORT @30"),
    V("mysql://address=(host=)", "ERR E_URL_HOST @22"),
    V("mysql://address=(host)", "ERR E_URL_ADDRESS @21"),
    V("mysql://address=(host=a)x", "ERR E_URL_ADDRESS @24"),
    V("mysql://address=(host=a b)", "ERR E_URL_CHAR @23"),
    V("mysql://address=(host=[::1)", "ERR E_URL_IPV6 @26"),
    V("mysql://address=(host=[::1]x)", "ERR E_URL_IPV6 @27"),
    V("mysql://address=(host=1::2::3)", "ERR E_URL_IPV6 @27"),
    V("mysql://address=(host=a(b)", "ERR E_URL_CHAR @23"),
    V("mysql://h/db?x=%g0", "ERR E_URL_PERCENT @15"),
    V("mysql://h?ttl=x", "ERR E_URL_TTL @14"),
    V("mysql://h\0", "ERR E_URL_CHAR @9"),
};

Test(url_multi, errors) { RUN(errors); }

static size_t host_list(char *buf, size_t cap, int n, bool address) {
    size_t len = (size_t)snprintf(buf, cap, "mysql:loadbalance://");
    for (int i = 0; i < n; i++) {
        len += (size_t)snprintf(buf + len, cap - len, address ? "%saddress=(host=h%d)(port=%d)"
                                                              : "%sh%d:%d",
                                i > 0 ? "," : "", i, 3300 + i);
    }
    len += (size_t)snprintf(buf + len, cap - len, "/db");
    return len;
}

Test(url_multi, maximum_hosts) {
    for (int address = 0; address < 2; address++) {
        char buf[1024];
        size_t len = host_list(buf, sizeof buf, REDIR_URL_MAX_HOSTS, address);
        const char *g = (const char *)guard_copy(0, buf, len);
        redir_url u;
        redir_diag d;
        cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_MULTI, (const uint8_t *)g, len), REDIR_OK));
        cr_assert(eq(sz, u.num_hosts, REDIR_URL_MAX_HOSTS));
        cr_assert(eq(u16, u.hosts[15].port, 3315));
        cr_assert(eq(sz, u.hosts[15].host.len, 3));
        cr_assert(eq(int, memcmp(u.hosts[15].host.ptr, "h15", 3), 0));
        cr_assert(eq(sz, u.database.len, 2));

        len = host_list(buf, sizeof buf, REDIR_URL_MAX_HOSTS + 1, address);
        g = (const char *)guard_copy(0, buf, len);
        d.offset = 0;
        cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_MULTI, (const uint8_t *)g, len),
                     REDIR_E_URL_TOO_MANY_HOSTS));
        const char *h16 = strstr(buf, address ? "address=(host=h16)" : "h16:");
        cr_assert(h16 != NULL);
        cr_assert(eq(sz, d.offset, (size_t)(h16 - buf)));
        cr_assert(eq(sz, u.num_hosts, 0));
    }
}
