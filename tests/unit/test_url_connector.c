/* The connector grammar. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <string.h>

#include "redir/url.h"
#include "testutil.h"
#include "url_vectors.h"

#define V URL_VEC
#define RUN(table) URL_RUN(REDIR_GRAMMAR_CONNECTOR, table)

static const struct url_vec basics[] = {
    V("mysql://h", "mysql | - | - | h | - | - | -"),
    V("mariadb://h:3307", "mariadb | - | - | h:3307 | - | - | -"),
    V("mysql://u:p@db2.example.com:3307/app?ttl=60&x=1",
      "mysql | u | p | db2.example.com:3307 | /app | ?ttl=60&x=1 | 60"),
    V("mysql://h/", "mysql | - | - | h | / | - | -"),
    V("mysql://h/?", "mysql | - | - | h | / | ? | -"),
    V("mysql://h/db", "mysql | - | - | h | /db | - | -"),
    V("mysql://h:3306/", "mysql | - | - | h:3306 | / | - | -"),
    V("mysql://10.0.0.7:3307", "mysql | - | - | 10.0.0.7:3307 | - | - | -"),
    V("mysql://u@h", "mysql | u | - | h | - | - | -"),
    V("mysql://u:@h", "mysql | u |  | h | - | - | -"),
    V("mysql://u:p:q@h", "mysql | u | p:q | h | - | - | -"),
    V("mysql://user%40host:pa%3Ass@h", "mysql | user%40host | pa%3Ass | h | - | - | -"),
    V("mysql://u!$&'()*+,;=-._~:p!$&'()*+,;=:@h",
      "mysql | u!$&'()*+,;=-._~ | p!$&'()*+,;=: | h | - | - | -"),
    V("mysql://h!$&'()*+,;=-._~", "mysql | - | - | h!$&'()*+,;=-._~ | - | - | -"),
    V("mysql://h%41", "mysql | - | - | h%41 | - | - | -"),
    V("mysql://h%c3%a4", "mysql | - | - | h%c3%a4 | - | - | -"),
    V("mysql://h%3A1:3306", "mysql | - | - | h%3A1:3306 | - | - | -"),
    V("mysql://h/d%20b:@!$", "mysql | - | - | h | /d%20b:@!$ | - | -"),
    V("mysql://h/db?user=user@host&ttl=60",
      "mysql | - | - | h | /db | ?user=user@host&ttl=60 | 60"),
    V("mysql://h/?a=/x?y:@", "mysql | - | - | h | / | ?a=/x?y:@ | -"),
};

Test(url_connector, basics) { RUN(basics); }

static const struct url_vec ports[] = {
    V("mysql://h:0", "mysql | - | - | h:0 | - | - | -"),
    V("mysql://h:65535", "mysql | - | - | h:65535 | - | - | -"),
    V("mysql://h:65536", "ERR E_URL_PORT_RANGE @14"),
    V("mysql://h:00000065535", "mysql | - | - | h:65535 | - | - | -"),
    V("mysql://h:99999999999", "ERR E_URL_PORT_RANGE @14"),
    V("mysql://h:", "ERR E_URL_PORT @10"),
    V("mysql://h:/", "ERR E_URL_PORT @10"),
    V("mysql://h:3306?x", "ERR E_URL_TRAILING @14"),
    V("mysql://h:1:2", "ERR E_URL_TRAILING @11"),
    V("mysql://h:12a", "ERR E_URL_TRAILING @12"),
    V("mysql://h:+1", "ERR E_URL_PORT @10"),
    V("mysql://h:-1", "ERR E_URL_PORT @10"),
    V("mysql://h: 1", "ERR E_URL_PORT @10"),
    V("mysql://h:1 ", "ERR E_URL_TRAILING @11"),
    V("mysql://host.example.com:-1/user=user@host", "ERR E_URL_PORT @25"),
};

Test(url_connector, ports) { RUN(ports); }

static const struct url_vec ttl_and_options[] = {
    V("mysql://h/?ttl=0", "mysql | - | - | h | / | ?ttl=0 | 0"),
    V("mysql://h/?ttl=18446744073709551615",
      "mysql | - | - | h | / | ?ttl=18446744073709551615 | 18446744073709551615"),
    V("mysql://h/?ttl=18446744073709551616", "ERR E_URL_TTL @15"),
    V("mysql://h/?ttl=", "ERR E_URL_TTL @15"),
    V("mysql://h/?ttl", "ERR E_URL_TTL @14"),
    V("mysql://h/?ttl=6a", "ERR E_URL_TTL @15"),
    V("mysql://h/?ttl=-1", "ERR E_URL_TTL @15"),
    V("mysql://h/?ttl=%36", "ERR E_URL_TTL @15"),
    V("mysql://h/?ttl=1&ttl=2", "mysql | - | - | h | / | ?ttl=1&ttl=2 | 2"),
    V("mysql://h/?TTL=x&ttlx=y", "mysql | - | - | h | / | ?TTL=x&ttlx=y | -"),
    V("mysql://h/?a", "mysql | - | - | h | / | ?a | -"),
    V("mysql://h/?a=", "mysql | - | - | h | / | ?a= | -"),
    V("mysql://h/?a==b", "mysql | - | - | h | / | ?a==b | -"),
    V("mysql://h/?=1", "ERR E_URL_OPTION @11"),
    V("mysql://h/?a=1&&b=2", "ERR E_URL_OPTION @15"),
    V("mysql://h/?a=1&", "ERR E_URL_OPTION @15"),
    V("mysql://h/?&", "ERR E_URL_OPTION @11"),
    V("mysql://h/db?x=%", "ERR E_URL_PERCENT @15"),
    V("mysql://h/db?x=a b", "ERR E_URL_CHAR @16"),
    V("mysql://h/db?x=1#f", "ERR E_URL_CHAR @16"),
    V("mysql://h/db?k%zz=1", "ERR E_URL_PERCENT @14"),
};

Test(url_connector, ttl_and_options) { RUN(ttl_and_options); }

static const struct url_vec ipv6[] = {
    V("mysql://[::1]", "mysql | - | - | [::1] | - | - | -"),
    V("mysql://[::1]:3306", "mysql | - | - | [::1]:3306 | - | - | -"),
    V("mysql://[::]", "mysql | - | - | [::] | - | - | -"),
    V("mysql://[FE80::ABCD]:1/db", "mysql | - | - | [FE80::ABCD]:1 | /db | - | -"),
    V("mysql://[2001:db8::1%25eth0]:3307", "mysql | - | - | [2001:db8::1%25eth0]:3307 | - | - | -"),
    V("mysql://[fe80::1%25en%30]", "mysql | - | - | [fe80::1%25en%30] | - | - | -"),
    V("mysql://[::ffff:10.0.0.1]", "mysql | - | - | [::ffff:10.0.0.1] | - | - | -"),
    V("mysql://[1:2:3:4:5:6:7:8]", "mysql | - | - | [1:2:3:4:5:6:7:8] | - | - | -"),
    V("mysql://[1:2:3:4:5:6:1.2.3.4]", "mysql | - | - | [1:2:3:4:5:6:1.2.3.4] | - | - | -"),
    V("mysql://u:p@[::1]:9", "mysql | u | p | [::1]:9 | - | - | -"),
    V("mysql://[::1", "ERR E_URL_IPV6 @12"),
    V("mysql://[::1]x", "ERR E_URL_CHAR @13"),
    V("mysql://[::1]:", "ERR E_URL_PORT @14"),
    V("mysql://[]", "ERR E_URL_IPV6 @9"),
    V("mysql://[:::]", "ERR E_URL_IPV6 @11"),
    V("mysql://[:1]", "ERR E_URL_IPV6 @10"),
    V("mysql://[1:]", "ERR E_URL_IPV6 @11"),
    V("mysql://[12345::]", "ERR E_URL_IPV6 @13"),
    V("mysql://[1:2:3:4:5:6:7:8:9]", "ERR E_URL_IPV6 @25"),
    V("mysql://[1:2:3:4:5:6:7]", "ERR E_URL_IPV6 @22"),
    V("mysql://[1::2:3:4:5:6:7:8]", "ERR E_URL_IPV6 @24"),
    V("mysql://[::1.2.3]", "ERR E_URL_IPV6 @16"),
    V("mysql://[::01.2.3.4]", "ERR E_URL_IPV6 @12"),
    V("mysql://[::256.1.1.1]", "ERR E_URL_IPV6 @13"),
    V("mysql://[v1.x]", "ERR E_URL_IPV6 @9"),
    V("mysql://[host.example.com", "ERR E_URL_IPV6 @9"),
    V("mysql://[host.example.com]:123/user=abcd", "ERR E_URL_IPV6 @9"),
    V("mysql://[fe80::1%eth0]", "ERR E_URL_IPV6 @16"),
    V("mysql://[fe80::1%25]", "ERR E_URL_IPV6 @19"),
    V("mysql://[fe80::1%25e%zz]", "ERR E_URL_PERCENT @20"),
    V("mysql://[fe80::1%25e:x]", "ERR E_URL_IPV6 @20"),
    V("mysql://[fe80::1%25e/x]", "ERR E_URL_IPV6 @20"),
    V("mysql://::1", "ERR E_URL_HOST @8"),
    V("mysql://h[x]", "ERR E_URL_CHAR @9"),
};

Test(url_connector, ipv6) { RUN(ipv6); }

static const struct url_vec errors[] = {
    V("", "ERR E_URL_SCHEME @0"),
    V("MYSQL://h", "ERR E_URL_SCHEME @0"),
    V("Mysql://h", "ERR E_URL_SCHEME @0"),
    V("mysql:/h", "ERR E_URL_SCHEME @7"),
    V("jdbc:mysql://h", "ERR E_URL_SCHEME @0"),
    V("mysqlx://h", "ERR E_URL_SCHEME @5"),
    V("mysql://", "ERR E_URL_EMPTY @8"),
    V("mariadb://", "ERR E_URL_EMPTY @10"),
    V("mysql://:3306", "ERR E_URL_HOST @8"),
    V("mysql:///db", "ERR E_URL_HOST @8"),
    V("mysql://h?x=1", "ERR E_URL_CHAR @9"),
    V("mysql://h#x", "ERR E_URL_CHAR @9"),
    V("mysql://h x", "ERR E_URL_CHAR @9"),
    V("mysql:// h", "ERR E_URL_CHAR @8"),
    V("mysql://h\"", "ERR E_URL_CHAR @9"),
    V("mysql://@h", "ERR E_URL_USERINFO @8"),
    V("mysql://:p@h", "ERR E_URL_USERINFO @8"),
    V("mysql://u@", "ERR E_URL_HOST @10"),
    V("mysql://u@/db", "ERR E_URL_HOST @10"),
    V("mysql://a@b@c", "ERR E_URL_CHAR @11"),
    V("mysql://u:p@ss@h", "ERR E_URL_CHAR @14"),
    V("mysql://u ser@h", "ERR E_URL_USERINFO @9"),
    V("mysql://u:p w@h", "ERR E_URL_USERINFO @11"),
    V("mysql://u%zz@h", "ERR E_URL_PERCENT @9"),
    V("mysql://h%zz", "ERR E_URL_PERCENT @9"),
    V("mysql://h%", "ERR E_URL_PERCENT @9"),
    V("mysql://h%4", "ERR E_URL_PERCENT @9"),
    V("mysql://h%00", "ERR E_URL_HOST @9"),
    V("mysql://h%000", "ERR E_URL_HOST @9"),
    V("mysql://\xc3\xa4.example", "ERR E_URL_CHAR @8"),
    V("mysql://h/d%zzb", "ERR E_URL_PERCENT @11"),
    V("mysql://h/a/b", "ERR E_URL_CHAR @11"),
    V("mysql://h\0", "ERR E_URL_CHAR @9"),
    V("mysql://\0h", "ERR E_URL_CHAR @8"),
    V("mysql://h/\0", "ERR E_URL_CHAR @10"),
    V("mysql://h/?a=\0", "ERR E_URL_CHAR @13"),
    V("mysql\0//h", "ERR E_URL_SCHEME @5"),
};

Test(url_connector, errors) { RUN(errors); }

/* redirect_spec.md 4.1 (regex-era Connector/Node.js vectors) and 4.5
 * (MySqlConnector's TryParseRedirectionHeader tests), under this grammar. */
static const struct url_vec research[] = {
    V("mysql://db2/", "mysql | - | - | db2 | / | - | -"),
    V("mysql://db2:3306/", "mysql | - | - | db2:3306 | / | - | -"),
    V("mysql://db2:65536", "ERR E_URL_PORT_RANGE @16"),
    V("MARIADB://db2", "ERR E_URL_SCHEME @0"),
    V("jdbc:mariadb://db2:3306", "ERR E_URL_SCHEME @0"),
    V("xmysql://db2", "ERR E_URL_SCHEME @0"),
    V("mariadb://host.example.com:1234/?user=user@host",
      "mariadb | - | - | host.example.com:1234 | / | ?user=user@host | -"),
    V("mariadb://user%40host:password@host.example.com:1234/",
      "mariadb | user%40host | password | host.example.com:1234 | / | - | -"),
    V("mariadb://host.example.com:1234/?user=user@host&ttl=60",
      "mariadb | - | - | host.example.com:1234 | / | ?user=user@host&ttl=60 | 60"),
    /* the trailing newline is no URL character */
    V("mariadb://someuser:password@host.example.com:1234/?user=user@host&ttl=60\n",
      "ERR E_URL_CHAR @72"),
    V("mysql://[2001:4860:4860::8888]:1234/?user=abcd",
      "mysql | - | - | [2001:4860:4860::8888]:1234 | / | ?user=abcd | -"),
    V("mysql://[2001:4860:4860::8888]:1234/?user=abcd\n", "ERR E_URL_CHAR @46"),
    V("mysql://[2001:4860:4860::8888]:1234/?user=abcd&ttl=60",
      "mysql | - | - | [2001:4860:4860::8888]:1234 | / | ?user=abcd&ttl=60 | 60"),
    V("mysql://[2001:4860:4860::8888]:1234/?user=abcd&ttl=60\n", "ERR E_URL_CHAR @53"),
    V("not formated", "ERR E_URL_SCHEME @0"),
    V("mysql", "ERR E_URL_SCHEME @5"),
};

Test(url_connector, research_vectors) { RUN(research); }

Test(url_connector, long_inputs) {
    static char buf[60000];
    memcpy(buf, "mysql://", 8);
    memset(buf + 8, 'a', sizeof buf - 8);
    const char *g = (const char *)guard_copy(0, buf, sizeof buf);
    redir_url u;
    redir_diag d;
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_CONNECTOR, (const uint8_t *)g, sizeof buf), REDIR_OK));
    cr_assert(eq(sz, u.hosts[0].host.len, sizeof buf - 8));
    /* a long query of many options, the last a bad escape */
    memcpy(buf + 8, "h/db?", 5);
    for (size_t i = 13; i + 4 <= sizeof buf; i += 4) {
        memcpy(buf + i, "a=1&", 4);
    }
    memcpy(buf + sizeof buf - 6, "b&x=%4", 6);
    g = (const char *)guard_copy(0, buf, sizeof buf);
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_CONNECTOR, (const uint8_t *)g, sizeof buf),
                 REDIR_E_URL_PERCENT));
    cr_assert(eq(sz, d.offset, sizeof buf - 2));
    memcpy(buf + sizeof buf - 6, "b&ttl=", 6);
    g = (const char *)guard_copy(0, buf, sizeof buf);
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_CONNECTOR, (const uint8_t *)g, sizeof buf),
                 REDIR_E_URL_TTL));
    cr_assert(eq(sz, d.offset, sizeof buf));
}

Test(url_connector, fields_are_views) {
    const char *in = "mariadb://al%40ice:s3cret@[fe80::1%25eth0]:3307/shop?ttl=30&user=bob";
    redir_url u;
    redir_diag d;
    cr_assert(eq(int, redir_url_parse(&u, &d, REDIR_GRAMMAR_CONNECTOR, (const uint8_t *)in, strlen(in)), REDIR_OK));
    cr_assert(u.user.ptr == (const uint8_t *)in + 10);
    cr_assert(eq(sz, u.user.len, 8));
    cr_assert(u.password.ptr == (const uint8_t *)in + 19);
    cr_assert(eq(sz, u.password.len, 6));
    cr_assert(eq(sz, u.num_hosts, 1));
    cr_assert(u.hosts[0].bracketed);
    cr_assert(eq(sz, u.hosts[0].host.len, 14));
    cr_assert(eq(int, memcmp(u.hosts[0].host.ptr, "fe80::1%25eth0", 14), 0));
    cr_assert(eq(u16, u.hosts[0].port, 3307));
    cr_assert(eq(int, memcmp(u.database.ptr, "shop", 4), 0));
    cr_assert(eq(sz, u.database.len, 4));
    cr_assert(eq(u64, u.ttl, 30));
    redir_span rest = u.query;
    redir_span k;
    redir_span v;
    cr_assert(eq(int, redir_url_option_next(&rest, &k, &v), REDIR_OK));
    cr_assert(eq(int, redir_url_option_next(&rest, &k, &v), REDIR_OK));
    cr_assert(eq(sz, k.len, 4));
    cr_assert(eq(int, memcmp(v.ptr, "bob", 3), 0));
    cr_assert(eq(int, redir_url_option_next(&rest, &k, &v), REDIR_DONE));
    uint8_t user[16];
    size_t n;
    cr_assert(eq(int, redir_pct_decode(user, sizeof user, &n, &d, u.user), REDIR_OK));
    cr_assert(eq(sz, n, 6));
    cr_assert(eq(int, memcmp(user, "al@ice", 6), 0));
}
