/* The location grammar ("Location: mysql://..." in the login OK's info). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "redir/url.h"
#include "testutil.h"
#include "url_vectors.h"

#define V URL_VEC
#define RUN(table) URL_RUN(REDIR_GRAMMAR_LOCATION, table)

/* MySqlConnector tests/MySqlConnector.Tests/UtilityTests.cs at 6e45dcd1~1
 * (ParseRedirectionHeader): every accepted line. */
static const struct url_vec mysqlconnector_ok[] = {
    V("Location: mysql://host.example.com:1234/user=user@host",
      "mysql | user@host | - | host.example.com:1234 | - | - | - | azure"),
    V("Location: mysql://host.example.com:1234/user=user@host\n",
      "mysql | user@host | - | host.example.com:1234 | - | - | - | azure nl"),
    V("Location: mysql://host.example.com:1234/user=user@host&ttl=60",
      "mysql | user@host | - | host.example.com:1234 | - | - | 60 | azure"),
    V("Location: mysql://host.example.com:1234/user=user@host&ttl=60\n",
      "mysql | user@host | - | host.example.com:1234 | - | - | 60 | azure nl"),
    V("Location: mysql://[host.example.com]:1234/?user=abcd",
      "mysql | abcd | - | [host.example.com]:1234 | - | - | - | community"),
    V("Location: mysql://[host.example.com]:1234/?user=abcd\n",
      "mysql | abcd | - | [host.example.com]:1234 | - | - | - | community nl"),
    V("Location: mysql://[host.example.com]:1234/?user=abcd&ttl=60",
      "mysql | abcd | - | [host.example.com]:1234 | - | - | 60 | community"),
    V("Location: mysql://[host.example.com]:1234/?user=abcd&ttl=60\n",
      "mysql | abcd | - | [host.example.com]:1234 | - | - | 60 | community nl"),
    V("Location: mysql://[2001:4860:4860::8888]:1234/?user=abcd",
      "mysql | abcd | - | [2001:4860:4860::8888]:1234 | - | - | - | community"),
    V("Location: mysql://[2001:4860:4860::8888]:1234/?user=abcd\n",
      "mysql | abcd | - | [2001:4860:4860::8888]:1234 | - | - | - | community nl"),
    V("Location: mysql://[2001:4860:4860::8888]:1234/?user=abcd&ttl=60",
      "mysql | abcd | - | [2001:4860:4860::8888]:1234 | - | - | 60 | community"),
    V("Location: mysql://[2001:4860:4860::8888]:1234/?user=abcd&ttl=60\n",
      "mysql | abcd | - | [2001:4860:4860::8888]:1234 | - | - | 60 | community nl"),
};

Test(url_location, mysqlconnector_accepted) { RUN(mysqlconnector_ok); }

/* The same file, ParseRedirectionHeaderFails: every rejected line. */
static const struct url_vec mysqlconnector_fail[] = {
    V("", "ERR E_LOCATION_PREFIX @0"),
    V("Location: mysql", "ERR E_LOCATION_PREFIX @15"),
    V("Location: mysql://host.example.com", "ERR E_LOCATION_FIELD @34"),
    V("Location: mysql://host.example.com:", "ERR E_URL_PORT @35"),
    V("Location: mysql://[host.example.com", "ERR E_LOCATION_FIELD @35"),
    V("Location: mysql://[host.example.com]", "ERR E_LOCATION_FIELD @36"),
    V("Location: mysql://[host.example.com]:", "ERR E_URL_PORT @37"),
    V("Location: mysql://host.example.com:123", "ERR E_LOCATION_FIELD @38"),
    V("Location: mysql://host.example.com:123/", "ERR E_LOCATION_FIELD @39"),
    V("Location: mysql://[host.example.com]:123", "ERR E_LOCATION_FIELD @40"),
    V("Location: mysql://[host.example.com]:123/", "ERR E_LOCATION_FIELD @41"),
    V("Location: mysql://host.example.com:/user=", "ERR E_URL_PORT @35"),
    V("Location: mysql://host.example.com:123/user=", "ERR E_LOCATION_FIELD @44"),
    V("Location: mysql://[host.example.com]:123/?user=", "ERR E_LOCATION_FIELD @47"),
    V("Location: mysql://host.example.com:/user=user@host", "ERR E_URL_PORT @35"),
    V("Location: mysql://host.example.com:-1/user=user@host", "ERR E_URL_PORT @35"),
    V("Location: mysql://host.example.com:0/user=user@host", "ERR E_URL_PORT @35"),
    V("Location: mysql://[host.example.com]:123/user=abcd", "ERR E_LOCATION_FIELD @41"),
};

Test(url_location, mysqlconnector_rejected) { RUN(mysqlconnector_fail); }

/* The community form as mysqlnd_azure, C/C PR 137 and J PR 134 write it,
 * the Azure form as Azure sent it (redirect_spec.md 3.2), and the limits. */
static const struct url_vec forms_and_limits[] = {
    V("Location: mysql://[db2.example.com]:3306/?user=alice&ttl=60\n",
      "mysql | alice | - | [db2.example.com]:3306 | - | - | 60 | community nl"),
    V("Location: mysql://db2.example.com:3306/user=alice@myserver&ttl=60",
      "mysql | alice@myserver | - | db2.example.com:3306 | - | - | 60 | azure"),
    V("Location: mysql://h:1/user=u", "mysql | u | - | h:1 | - | - | - | azure"),
    V("Location: mysql://h:65535/user=u", "mysql | u | - | h:65535 | - | - | - | azure"),
    V("Location: mysql://h:65536/user=u", "ERR E_URL_PORT_RANGE @24"),
    V("Location: mysql://h:03306/user=u", "ERR E_URL_PORT @20"),
    V("Location: mysql://h:0x10/user=u", "ERR E_URL_PORT @20"),
    V("Location: mysql://h:12a/user=u", "ERR E_URL_PORT @22"),
    V("Location: mysql://h: 1/user=u", "ERR E_URL_PORT @20"),
    V("Location: mysql://h:1/user=u&ttl=0", "mysql | u | - | h:1 | - | - | 0 | azure"),
    V("Location: mysql://h:1/user=u&ttl=", "ERR E_URL_TTL @33"),
    V("Location: mysql://h:1/user=u&ttl=6x", "ERR E_URL_TTL @33"),
    V("Location: mysql://h:1/user=u&ttl=60 ", "ERR E_URL_TTL @33"),
    V("Location: mysql://h:1/user=u&ttl=99999999999999999999", "ERR E_URL_TTL @33"),
    V("Location: mysql://h:1/user=u&foo=1", "ERR E_LOCATION_FIELD @29"),
    V("Location: mysql://h:1/user=u&", "ERR E_LOCATION_FIELD @29"),
    V("Location: mysql://h:1/user=u&ttl=60\nmore info",
      "mysql | u | - | h:1 | - | - | 60 | azure nl"),
    V("Location: mysql://h:1/user=u\n\n", "mysql | u | - | h:1 | - | - | - | azure nl"),
    V("Location: mysql://[h]:1/?user=u\n", "mysql | u | - | [h]:1 | - | - | - | community nl"),
    V("Location: mysql://[fe80::1%eth0]:1/?user=u",
      "mysql | u | - | [fe80::1%eth0]:1 | - | - | - | community"),
    V("Location: mysql://h:1/?user=u", "ERR E_LOCATION_FIELD @22"),
    V("Location: mysql://", "ERR E_LOCATION_FIELD @18"),
    V("Location: mysql://:1/user=u", "ERR E_URL_HOST @18"),
    V("Location: mysql://[]:1/?user=u", "ERR E_URL_HOST @19"),
    V("Location: mysql://a b:1/user=u", "ERR E_URL_CHAR @19"),
    V("Location: mysql://a[b:1/user=u", "ERR E_URL_CHAR @19"),
    V("Location: mysql://a/b:1/user=u", "ERR E_URL_CHAR @19"),
    V("Location: mysql://[a@b]:1/?user=u", "ERR E_URL_CHAR @20"),
    V("Location: mysql://\xc3\xa4:1/user=u", "ERR E_URL_CHAR @18"),
    V("Location: mysql://h:1/user=a\tb", "ERR E_URL_CHAR @28"),
    V("Location: mysql://h:1/user=a\0b", "ERR E_URL_CHAR @28"),
    V("Location: mysql://h:1/user=u\0", "ERR E_URL_CHAR @28"),
    V("Location: mysql://h\0:1/user=u", "ERR E_URL_CHAR @19"),
    V("Location: mysql://h:1/user=\xc3\xa4", "mysql | \\xc3\\xa4 | - | h:1 | - | - | - | azure"),
    V("Location: mysql://h:1/user=a b", "mysql | a b | - | h:1 | - | - | - | azure"),
    V("location: mysql://h:1/user=u", "ERR E_LOCATION_PREFIX @0"),
    V("Location: mariadb://h:1/user=u", "ERR E_LOCATION_PREFIX @11"),
    V("Location:  mysql://h:1/user=u", "ERR E_LOCATION_PREFIX @10"),
    V("mysql://h:1/user=u", "ERR E_LOCATION_PREFIX @0"),
};

Test(url_location, forms_and_limits) { RUN(forms_and_limits); }

Test(url_location, field_lengths) {
    char buf[600];
    char host[200];
    memset(host, 'h', sizeof host);
    /* a 128-byte host is the longest mysqlnd_azure keeps */
    for (int n = 127; n <= 129; n++) {
        int len = snprintf(buf, sizeof buf, "Location: mysql://%.*s:3306/user=u", n, host);
        const char *g = (const char *)guard_copy(0, buf, (size_t)len);
        redir_url u;
        redir_diag d;
        redir_status st = redir_url_parse(&u, &d, REDIR_GRAMMAR_LOCATION, (const uint8_t *)g, (size_t)len);
        if (n <= 128) {
            cr_assert(eq(int, st, REDIR_OK), "host of %d bytes", n);
            cr_assert(eq(sz, u.hosts[0].host.len, (size_t)n));
        } else {
            cr_assert(eq(int, st, REDIR_E_URL_HOST), "host of %d bytes", n);
            cr_assert(eq(sz, d.offset, 18 + 128));
        }
        len = snprintf(buf, sizeof buf, "Location: mysql://[h]:3306/?user=%.*s&ttl=1\n", n, host);
        g = (const char *)guard_copy(0, buf, (size_t)len);
        st = redir_url_parse(&u, &d, REDIR_GRAMMAR_LOCATION, (const uint8_t *)g, (size_t)len);
        if (n <= 128) {
            cr_assert(eq(int, st, REDIR_OK), "user of %d bytes", n);
            cr_assert(eq(sz, u.user.len, (size_t)n));
            cr_assert(eq(u64, u.ttl, 1));
            cr_assert(u.location_newline);
            cr_assert(u.location_azure == false);
        } else {
            cr_assert(eq(int, st, REDIR_E_URL_USERINFO), "user of %d bytes", n);
            cr_assert(eq(sz, d.offset, 33 + 128));
        }
    }
}
