/* The compatibility report: each implementation's verdict and destination.
 * The connector-nodejs column is also checked against the real npm package
 * by tests/interop/check_node_compat.sh. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <string.h>

#include "redir/url.h"
#include "testutil.h"

static const char *const short_names[REDIR_IMPL_COUNT] = {"server", "node", "j",      "r2dbc",
                                                          "net",    "maxscale", "azure"};

/* "server=Y node=h:3306 ...": "-" rejected, "Y" accepted without a
 * destination (validators), else host:port with the host's bytes shown as
 * printable ASCII or \xNN, and "+" after a truncated host. */
static void compat_canon(char *out, size_t cap, const redir_compat r[REDIR_IMPL_COUNT]) {
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < REDIR_IMPL_COUNT; i++) {
        n += (size_t)snprintf(out + n, cap - n, "%s%s=", i > 0 ? " " : "", short_names[i]);
        if (!r[i].accepts) {
            n += (size_t)snprintf(out + n, cap - n, "-");
        } else if (!r[i].connects) {
            n += (size_t)snprintf(out + n, cap - n, "Y");
        } else {
            for (size_t k = 0; k < r[i].host_len; k++) {
                uint8_t c = r[i].host[k];
                bool plain = c >= 0x20 && c < 0x7F && c != '\\';
                n += (size_t)snprintf(out + n, cap - n, plain ? "%c" : "\\x%02x", c);
            }
            n += (size_t)snprintf(out + n, cap - n, "%s:%u", r[i].host_truncated ? "+" : "",
                                  (unsigned)r[i].port);
        }
    }
}

struct compat_vec {
    const char *in;
    size_t len;
    const char *want;
};

#define V(lit, want) {lit, sizeof(lit) - 1, want}

static void run(const struct compat_vec *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const char *in = (const char *)guard_copy(0, v[i].in, v[i].len);
        redir_compat r[REDIR_IMPL_COUNT];
        memset(r, 0x5A, sizeof r);
        redir_compat_report(r, (const uint8_t *)in, v[i].len);
        char got[2048];
        compat_canon(got, sizeof got, r);
        cr_expect(strcmp(got, v[i].want) == 0, "\n  in:     %.*s\n  wanted: %s\n  got:    %s",
                  (int)v[i].len, v[i].in, v[i].want, got);
        for (int k = 0; k < REDIR_IMPL_COUNT; k++) {
            cr_expect(r[k].connects == false || r[k].accepts, "%s connects without accepting",
                      short_names[k]);
            cr_expect(r[k].host_len <= REDIR_COMPAT_HOST_MAX);
        }
    }
}

#define RUN(table) run(table, sizeof table / sizeof table[0])

/* Values a MariaDB server can carry (or that someone might try). */
static const struct compat_vec urls[] = {
    V("mysql://db2.example.com:3307",
      "server=Y node=db2.example.com:3307 j=db2.example.com:3307 r2dbc=db2.example.com:3307 "
      "net=db2.example.com:3307 maxscale=Y azure=-"),
    /* without a port MySqlConnector's System.Uri reports -1: no redirect */
    V("mysql://db2", "server=Y node=db2:3306 j=db2:3306 r2dbc=db2:3306 net=- maxscale=Y azure=-"),
    V("", "server=Y node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("mysql://db2/", "server=Y node=db2:3306 j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("mysql://db2:3306/", "server=- node=db2:3306 j=- r2dbc=- net=db2:3306 maxscale=- azure=-"),
    V("mysql://db2:65536", "server=- node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("MARIADB://db2:1", "server=- node=db2:1 j=db2:1 r2dbc=db2:1 net=- maxscale=- azure=-"),
    V("jdbc:mariadb://db2:3306", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("xmysql://db2", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mysql://:3306", "server=Y node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("mysql://h%3A1:3306",
      "server=Y node=h:1:3306 j=h:1:3306 r2dbc=h:1:3306 net=- maxscale=Y azure=-"),
    V("mysql://u:p@h:7/db?x", "server=- node=h:7 j=h:7 r2dbc=h:7 net=h:7 maxscale=- azure=-"),
    V("mysql://user:pw@h:3306",
      "server=- node=h:3306 j=h:3306 r2dbc=h:3306 net=h:3306 maxscale=- azure=-"),
    V("mysql://a@b@c", "server=Y node=c:3306 j=b@c:3306 r2dbc=b@c:3306 net=- maxscale=Y azure=-"),
    V("mysql://u:p@ss@h:7", "server=- node=h:7 j=h:7 r2dbc=h:7 net=- maxscale=- azure=-"),
    V("mysql://u:a@b:1@h:2", "server=- node=h:2 j=h:2 r2dbc=h:2 net=- maxscale=- azure=-"),
    V("mysql://h+x", "server=Y node=h+x:3306 j=h x:3306 r2dbc=h x:3306 net=- maxscale=Y azure=-"),
    V("mysql://h?x", "server=Y node=h:3306 j=h?x:3306 r2dbc=h?x:3306 net=- maxscale=Y azure=-"),
    V("mysql://h/db/x?y", "server=Y node=h:3306 j=h:3306 r2dbc=h:3306 net=- maxscale=Y azure=-"),
    V("mysql://[::1]:3306", "server=- node=::1:3306 j=- r2dbc=- net=::1:3306 maxscale=- azure=-"),
    V("mysql://[0:0:0:0:0:0:0:1]:3307",
      "server=- node=::1:3307 j=- r2dbc=- net=::1:3307 maxscale=- azure=-"),
    V("mysql://[fe80::1%25eth0]:1", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mysql://H.Example.COM:1",
      "server=Y node=H.Example.COM:1 j=H.Example.COM:1 r2dbc=H.Example.COM:1 net=h.example.com:1 "
      "maxscale=Y azure=-"),
    V("mysql://h:0", "server=Y node=h:3306 j=h:0 r2dbc=h:0 net=h:0 maxscale=Y azure=-"),
    V("mysql://h:00000065535",
      "server=Y node=h:65535 j=h:65535 r2dbc=h:65535 net=h:65535 maxscale=Y azure=-"),
    V("mysql://h:99999999999", "server=- node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("mysql:h", "server=- node=localhost:3306 j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mysql://", "server=- node=localhost:3306 j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mysql://h:1\n", "server=- node=h:1 j=- r2dbc=- net=h:1 maxscale=- azure=-"),
    V("mysql://h\n",
      "server=Y node=h:3306 j=h\\x0a:3306 r2dbc=h\\x0a:3306 net=- maxscale=Y azure=-"),
    V("mysql://h\tx:1", "server=Y node=hx:1 j=h\\x09x:1 r2dbc=h\\x09x:1 net=- maxscale=Y azure=-"),
    V(" mysql://h", "server=- node=h:3306 j=- r2dbc=- net=- maxscale=- azure=-"),
};

Test(compat, redirect_urls) { RUN(urls); }

/* MySqlConnector's own tests (tests/MySqlConnector.Tests/UtilityTests.cs at
 * 61366757a2ae): its column must accept the first eight with their host and
 * port and reject the last six. */
static const struct compat_vec mysqlconnector[] = {
    V("mariadb://host.example.com:1234/?user=user@host",
      "server=- node=host.example.com:1234 j=- r2dbc=- net=host.example.com:1234 maxscale=- "
      "azure=-"),
    V("mariadb://user%40host:password@host.example.com:1234/",
      "server=- node=host.example.com:1234 j=- r2dbc=- net=host.example.com:1234 maxscale=- "
      "azure=-"),
    V("mariadb://host.example.com:1234/?user=user@host&ttl=60",
      "server=- node=host.example.com:1234 j=- r2dbc=- net=host.example.com:1234 maxscale=- "
      "azure=-"),
    V("mariadb://someuser:password@host.example.com:1234/?user=user@host&ttl=60\n",
      "server=- node=host.example.com:1234 j=- r2dbc=- net=host.example.com:1234 maxscale=- "
      "azure=-"),
    V("mysql://[2001:4860:4860::8888]:1234/?user=abcd",
      "server=- node=2001:4860:4860::8888:1234 j=- r2dbc=- net=2001:4860:4860::8888:1234 "
      "maxscale=- azure=-"),
    V("mysql://[2001:4860:4860::8888]:1234/?user=abcd\n",
      "server=- node=2001:4860:4860::8888:1234 j=- r2dbc=- net=2001:4860:4860::8888:1234 "
      "maxscale=- azure=-"),
    V("mysql://[2001:4860:4860::8888]:1234/?user=abcd&ttl=60",
      "server=- node=2001:4860:4860::8888:1234 j=- r2dbc=- net=2001:4860:4860::8888:1234 "
      "maxscale=- azure=-"),
    V("mysql://[2001:4860:4860::8888]:1234/?user=abcd&ttl=60\n",
      "server=- node=2001:4860:4860::8888:1234 j=- r2dbc=- net=2001:4860:4860::8888:1234 "
      "maxscale=- azure=-"),
    V("", "server=Y node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("not formated", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mysql", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mysql://[host.example.com",
      "server=Y node=- j=[host.example.com:3306 r2dbc=[host.example.com:3306 net=- maxscale=Y "
      "azure=-"),
    V("mysql://host.example.com:-1/user=user@host",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    /* the Java regex takes the brackets as part of a host name */
    V("mysql://[host.example.com]:123/user=abcd",
      "server=- node=- j=[host.example.com]:123 r2dbc=[host.example.com]:123 net=- maxscale=- "
      "azure=-"),
};

Test(compat, mysqlconnector_vectors) { RUN(mysqlconnector); }

/* How each connector decodes the host. */
static const struct compat_vec decoding[] = {
    V("mysql://h%zz", "server=Y node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("mysql://h%", "server=Y node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("mysql://h%4", "server=Y node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("mysql://h%41", "server=Y node=hA:3306 j=hA:3306 r2dbc=hA:3306 net=- maxscale=Y azure=-"),
    V("mysql://h%00",
      "server=Y node=h\\x00:3306 j=h\\x00:3306 r2dbc=h\\x00:3306 net=- maxscale=Y azure=-"),
    /* strict decodeURIComponent throws; URLDecoder substitutes U+FFFD */
    V("mysql://h%ff",
      "server=Y node=- j=h\\xef\\xbf\\xbd:3306 r2dbc=h\\xef\\xbf\\xbd:3306 net=- maxscale=Y "
      "azure=-"),
    V("mysql://h%c3%a4",
      "server=Y node=h\\xc3\\xa4:3306 j=h\\xc3\\xa4:3306 r2dbc=h\\xc3\\xa4:3306 net=- maxscale=Y "
      "azure=-"),
    V("mysql://h%c3",
      "server=Y node=- j=h\\xef\\xbf\\xbd:3306 r2dbc=h\\xef\\xbf\\xbd:3306 net=- maxscale=Y "
      "azure=-"),
    V("mysql://h%e0%80%80x",
      "server=Y node=- j=h\\xef\\xbf\\xbd\\xef\\xbf\\xbd\\xef\\xbf\\xbdx:3306 "
      "r2dbc=h\\xef\\xbf\\xbd\\xef\\xbf\\xbd\\xef\\xbf\\xbdx:3306 net=- maxscale=Y azure=-"),
    V("mysql://h%e2%82",
      "server=Y node=- j=h\\xef\\xbf\\xbd:3306 r2dbc=h\\xef\\xbf\\xbd:3306 net=- maxscale=Y "
      "azure=-"),
    /* Integer.parseInt takes "+4" and "-0" as hex pairs */
    V("mysql://h%+41",
      "server=Y node=- j=h\\x041:3306 r2dbc=h\\x041:3306 net=- maxscale=Y azure=-"),
    V("mysql://h%-0x",
      "server=Y node=- j=h\\x00x:3306 r2dbc=h\\x00x:3306 net=- maxscale=Y azure=-"),
    V("mysql://h%-1x", "server=Y node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("mysql://\xe6\x97\xa5\xe6\x9c\xac.example:3307",
      "server=Y node=\\xe6\\x97\\xa5\\xe6\\x9c\\xac.example:3307 "
      "j=\\xe6\\x97\\xa5\\xe6\\x9c\\xac.example:3307 "
      "r2dbc=\\xe6\\x97\\xa5\\xe6\\x9c\\xac.example:3307 net=- maxscale=Y azure=-"),
    /* malformed UTF-8 in the value itself */
    V("mysql://h\xff",
      "server=Y node=h\\xef\\xbf\\xbd:3306 j=h\\xef\\xbf\\xbd:3306 r2dbc=h\\xef\\xbf\\xbd:3306 "
      "net=- maxscale=Y azure=-"),
    V("mysql://h\xe6\x97:1",
      "server=Y node=h\\xef\\xbf\\xbd:1 j=h\\xef\\xbf\\xbd:1 r2dbc=h\\xef\\xbf\\xbd:1 net=- "
      "maxscale=Y azure=-"),
    V("mysql://h\x01x",
      "server=Y node=h\\x01x:3306 j=h\\x01x:3306 r2dbc=h\\x01x:3306 net=- maxscale=Y azure=-"),
    V("mysql://h\0x", "server=Y node=- j=h\\x00x:3306 r2dbc=h\\x00x:3306 net=- maxscale=Y azure=-"),
    V("mysql://h x", "server=Y node=- j=h x:3306 r2dbc=h x:3306 net=- maxscale=Y azure=-"),
};

Test(compat, host_decoding) { RUN(decoding); }

/* MaxScale's ParamMariaURL, with the values of its system test
 * system-test/mxs4635_custom_sysvars.cc (test_redirect_url). */
static const struct compat_vec maxscale[] = {
    V("foobar", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("www.mariadb.com", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("file:///dev/null", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("https://www.mariadb.com", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("MariaDB://localhost",
      "server=- node=localhost:3306 j=localhost:3306 r2dbc=localhost:3306 net=- maxscale=- "
      "azure=-"),
    V("MySQL://localhost",
      "server=- node=localhost:3306 j=localhost:3306 r2dbc=localhost:3306 net=- maxscale=- "
      "azure=-"),
    V("Oracle://localhost", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("jdbc:mariadb://localhost:3306/test?useServerPrepStmts=true",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mariadb://", "server=- node=localhost:3306 j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mariadb://localhost:", "server=- node=localhost:3306 j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mariadb://localhost:foo", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mariadb://localhost:3306",
      "server=Y node=localhost:3306 j=localhost:3306 r2dbc=localhost:3306 net=localhost:3306 "
      "maxscale=Y azure=-"),
    V("mariadb://h:99999", "server=- node=- j=- r2dbc=- net=- maxscale=Y azure=-"),
    V("mysql://h:1:2", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mysql://:", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("mysql://h:1\0", "server=- node=h:1 j=- r2dbc=- net=- maxscale=- azure=-"),
};

Test(compat, maxscale_listener_values) { RUN(maxscale); }

/* mysqlnd_azure's get_redirect_info on Location lines. */
static const struct compat_vec location[] = {
    V("Location: mysql://[db2.example.com]:3306/?user=alice&ttl=60\n",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=db2.example.com:3306"),
    V("Location: mysql://db2.example.com:3306/user=alice@myserver&ttl=60",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=db2.example.com:3306"),
    V("Location: mysql://[2001:db8::1]:3306/?user=u&ttl=1\n",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=2001:db8::1:3306"),
    V("Location: mysql://h:1/user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:1"),
    V("Location: mysql://h:1/user=", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h:1/user", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    /* strtol base 0: octal, hexadecimal, leading blanks */
    V("Location: mysql://h:03306/user=u",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:1734"),
    V("Location: mysql://h:0x10/user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:16"),
    V("Location: mysql://h:08/user=uu", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h: 7/user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:7"),
    V("Location: mysql://h:7 /user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h:+7/user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:7"),
    V("Location: mysql://h:-5/user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h:0/user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h:00/user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    /* no range check: PHP's socket layer narrows the port to 16 bits */
    V("Location: mysql://h:99999999/user=u",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:57599"),
    V("Location: mysql://h:123456789/user=u",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h:1/user=u&ttl=0",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:1"),
    V("Location: mysql://h:1/user=u&ttl=00",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h:1/user=u&ttl=123456789",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h:1/user=u&tt=1", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    /* the Azure user runs to the end, newline included */
    V("Location: mysql://h:1/user=u\n", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:1"),
    /* the community form needs "&ttl=" and the newline */
    V("Location: mysql://[h]:1/?user=u\n", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://[h]:1/?user=u&ttl=5",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://[h]:1/?user=u&ttl=\n",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://[h]:1/user=u&ttl=5\n",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://[h]:1/?user=u&ttl=5\nrest",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:1"),
    /* strchr stops at a NUL */
    V("Location: mysql://h\0x:1/user=uuuuu",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h:1/user=u\0&ttl=zz",
      "server=- node=- j=- r2dbc=- net=- maxscale=- azure=h:1"),
    V("Location: mysql://h:1/x\0user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("Location: mysql://h:1/", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
    V("location: mysql://h:1/user=u", "server=- node=- j=- r2dbc=- net=- maxscale=- azure=-"),
};

Test(compat, mysqlnd_azure_location) { RUN(location); }

Test(compat, field_limits_of_mysqlnd_azure) {
    char buf[512];
    char fill[200];
    memset(fill, 'a', sizeof fill);
    for (int n = 127; n <= 129; n++) {
        int len = snprintf(buf, sizeof buf, "Location: mysql://%.*s:1/user=u", n, fill);
        redir_compat r[REDIR_IMPL_COUNT];
        const char *g = (const char *)guard_copy(0, buf, (size_t)len);
        redir_compat_report(r, (const uint8_t *)g, (size_t)len);
        cr_assert(eq(int, r[REDIR_IMPL_MYSQLND_AZURE].accepts, n <= 128), "host %d", n);
        len = snprintf(buf, sizeof buf, "Location: mysql://h:1/user=%.*s", n, fill);
        g = (const char *)guard_copy(0, buf, (size_t)len);
        redir_compat_report(r, (const uint8_t *)g, (size_t)len);
        cr_assert(eq(int, r[REDIR_IMPL_MYSQLND_AZURE].accepts, n <= 128), "user %d", n);
    }
}

Test(compat, long_hosts_are_truncated) {
    static char buf[40000];
    memcpy(buf, "mysql://", 8);
    memset(buf + 8, 'a', sizeof buf - 10);
    memcpy(buf + sizeof buf - 2, ":1", 2);
    const char *g = (const char *)guard_copy(0, buf, sizeof buf);
    redir_compat r[REDIR_IMPL_COUNT];
    redir_compat_report(r, (const uint8_t *)g, sizeof buf);
    for (int k = REDIR_IMPL_CONNECTOR_NODEJS; k <= REDIR_IMPL_R2DBC; k++) {
        cr_assert(r[k].accepts, "%s", short_names[k]);
        cr_assert(r[k].host_truncated, "%s", short_names[k]);
        cr_assert(eq(sz, r[k].host_len, REDIR_COMPAT_HOST_MAX));
        cr_assert(eq(u8, r[k].host[REDIR_COMPAT_HOST_MAX - 1], 'a'));
        cr_assert(eq(u16, r[k].port, 1));
    }
    /* System.Uri: a DNS name longer than 255 bytes */
    cr_assert(r[REDIR_IMPL_MYSQLCONNECTOR_NET].accepts == false);
    cr_assert(r[REDIR_IMPL_MARIADB_SERVER].accepts);
}

/* Many '@' after a password: the regex model must stay linear. */
Test(compat, many_at_signs, .timeout = 10) {
    static char buf[60000];
    memcpy(buf, "mysql://u:", 10);
    memset(buf + 10, '@', sizeof buf - 10);
    const char *g = (const char *)guard_copy(0, buf, sizeof buf);
    redir_compat r[REDIR_IMPL_COUNT];
    redir_compat_report(r, (const uint8_t *)g, sizeof buf);
    /* the host after the last '@' would be empty; the one before it is "@" */
    cr_assert(r[REDIR_IMPL_CONNECTOR_J].accepts);
    cr_assert(eq(sz, r[REDIR_IMPL_CONNECTOR_J].host_len, 1));
    cr_assert(eq(u8, r[REDIR_IMPL_CONNECTOR_J].host[0], '@'));
    cr_assert(r[REDIR_IMPL_CONNECTOR_NODEJS].accepts == false);
}

Test(compat, names) {
    const char *names[] = {"mariadb-server", "connector-nodejs", "connector-j", "r2dbc",
                           "mysqlconnector-net", "maxscale", "mysqlnd-azure"};
    for (int i = 0; i < REDIR_IMPL_COUNT; i++) {
        const char *n = redir_impl_name((redir_impl)i);
        cr_assert(n != NULL && strcmp(n, names[i]) == 0, "impl %d: %s", i, n);
    }
    cr_assert(redir_impl_name(REDIR_IMPL_COUNT) == NULL);
    cr_assert(redir_impl_name((redir_impl)-1) == NULL);
}

Test(compat, null_input) {
    redir_compat r[REDIR_IMPL_COUNT];
    redir_compat_report(r, NULL, 0);
    cr_assert(r[REDIR_IMPL_MARIADB_SERVER].accepts);
    cr_assert(r[REDIR_IMPL_MAXSCALE].accepts);
    cr_assert(r[REDIR_IMPL_CONNECTOR_NODEJS].accepts == false);
    redir_compat_report(r, NULL, 5);
    for (int k = 0; k < REDIR_IMPL_COUNT; k++) {
        cr_assert(r[k].accepts == false);
    }
}
