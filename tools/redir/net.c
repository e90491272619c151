/* accept4 */
#define _GNU_SOURCE

#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t err_len, const char *fmt, ...) {
    int saved = errno;
    if (err != NULL && err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    errno = saved;
    return -1;
}

static bool copy_str(char *dst, size_t cap, const char *src, size_t len) {
    if (len >= cap) {
        return false;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
    return true;
}

int net_split_host_port(const char *in, const char *default_port, char *host, size_t host_cap,
                        char *port, size_t port_cap, char *err, size_t err_len) {
    const char *host_start = in;
    size_t host_len;
    const char *rest;
    if (in[0] == '[') {
        const char *close = strchr(in, ']');
        if (close == NULL) {
            return fail(err, err_len, "'%s': '[' without ']'", in);
        }
        host_start = in + 1;
        host_len = (size_t)(close - host_start);
        rest = close + 1;
        if (*rest != '\0' && *rest != ':') {
            return fail(err, err_len, "'%s': unexpected text after ']'", in);
        }
    } else {
        const char *colon = strrchr(in, ':');
        /* Several ':' without brackets: an IPv6 address without port. */
        if (colon != NULL && strchr(in, ':') != colon) {
            colon = NULL;
        }
        host_len = colon != NULL ? (size_t)(colon - in) : strlen(in);
        rest = in + host_len;
    }
    if (host_len == 0) {
        return fail(err, err_len, "'%s': no host", in);
    }
    const char *port_text = *rest == ':' ? rest + 1 : default_port;
    if (port_text == NULL || *port_text == '\0' ||
        strspn(port_text, "0123456789") != strlen(port_text) || strtoul(port_text, NULL, 10) > 65535) {
        return fail(err, err_len, "'%s': the port must be a number from 0 to 65535", in);
    }
    if (!copy_str(host, host_cap, host_start, host_len) ||
        !copy_str(port, port_cap, port_text, strlen(port_text))) {
        return fail(err, err_len, "'%s': too long", in);
    }
    return 0;
}

static int set_nodelay(int fd) {
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int net_set_nonblocking(int fd, bool on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) {
        return -1;
    }
    flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
    return fcntl(fd, F_SETFL, flags) < 0 ? -1 : 0;
}

int net_set_timeouts(int fd, int timeout_ms) {
    struct timeval tv = {0, 0};
    if (timeout_ms > 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
        return -1;
    }
    return 0;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int net_wait(int fd, short events, int timeout_ms) {
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int left = timeout_ms < 0 ? -1 : (int)(deadline - now_ms());
        if (timeout_ms >= 0 && left < 0) {
            left = 0;
        }
        int n = poll(&p, 1, left);
        if (n > 0) {
            return 1;
        }
        if (n == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

static int connect_one(const struct addrinfo *ai, int timeout_ms, char *why, size_t why_len) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
    if (fd < 0) {
        return fail(why, why_len, "socket: %s", strerror(errno));
    }
    char where[80];
    net_format_addr(ai->ai_addr, ai->ai_addrlen, where, sizeof where);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            fail(why, why_len, "connect %s: %s", where, strerror(errno));
            close(fd);
            return -1;
        }
        int n = net_wait(fd, POLLOUT, timeout_ms);
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (n == 0) {
            fail(why, why_len, "connect %s: timed out after %d ms", where, timeout_ms);
            close(fd);
            errno = ETIMEDOUT;
            return -1;
        }
        if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
            if (soerr != 0) {
                errno = soerr;
            }
            fail(why, why_len, "connect %s: %s", where, strerror(errno));
            close(fd);
            return -1;
        }
    }
    if (net_set_nonblocking(fd, false) != 0 || set_nodelay(fd) != 0) {
        fail(why, why_len, "connect %s: socket options: %s", where, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int net_connect(const char *host, const char *port, int timeout_ms, char *err, size_t err_len) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        return fail(err, err_len, "cannot resolve '%s': %s", host, gai_strerror(gai));
    }
    int fd = -1;
    for (const struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = connect_one(ai, timeout_ms, err, err_len);
    }
    freeaddrinfo(res);
    return fd;
}

int net_listen(const char *addr, int backlog, char *err, size_t err_len) {
    char host[256];
    char port[8];
    if (net_split_host_port(addr, NULL, host, sizeof host, port, sizeof port, err, err_len) != 0) {
        return -1;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        return fail(err, err_len, "cannot resolve '%s': %s", host, gai_strerror(gai));
    }
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    res->ai_protocol);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
        fail(err, err_len, "listen on %s: %s", addr, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

int net_accept(int listen_fd, char *peer, size_t peer_len) {
    struct sockaddr_storage ss;
    for (;;) {
        socklen_t len = sizeof ss;
        int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            (void)set_nodelay(fd);
            if (peer != NULL) {
                net_format_addr((const struct sockaddr *)&ss, len, peer, peer_len);
            }
            return fd;
        }
        if (errno == EINTR) {
            continue;
        }
        /* A connection reset before accept is gone; Linux also passes some
         * pending network errors of the new socket up through accept. */
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED ||
            errno == EPROTO || errno == ENETDOWN || errno == ENOPROTOOPT || errno == EHOSTDOWN ||
            errno == ENONET || errno == EHOSTUNREACH || errno == EOPNOTSUPP ||
            errno == ENETUNREACH) {
            return NET_AGAIN;
        }
        return NET_ERROR;
    }
}

ssize_t net_read(int fd, void *buf, size_t cap) {
    for (;;) {
        ssize_t n = recv(fd, buf, cap, 0);
        if (n >= 0) {
            return n;
        }
        if (errno == EINTR) {
            continue;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK ? NET_AGAIN : NET_ERROR;
    }
}

ssize_t net_write(int fd, const void *buf, size_t len) {
    for (;;) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0) {
            return n;
        }
        if (errno == EINTR) {
            continue;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK ? NET_AGAIN : NET_ERROR;
    }
}

int net_write_all(int fd, const void *buf, size_t len, int timeout_ms, char *err,
                  size_t err_len) {
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = net_write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n == NET_AGAIN) {
            int w = net_wait(fd, POLLOUT, timeout_ms);
            if (w > 0) {
                continue;
            }
            if (w == 0) {
                errno = ETIMEDOUT;
            }
        }
        return fail(err, err_len, "write: %s", strerror(errno));
    }
    return 0;
}

void net_format_addr(const struct sockaddr *sa, socklen_t sa_len, char *out, size_t out_len) {
    char host[INET6_ADDRSTRLEN];
    char port[8];
    if (out_len == 0) {
        return;
    }
    out[0] = '\0';
    if (getnameinfo(sa, sa_len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        return;
    }
    snprintf(out, out_len, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

uint16_t net_local_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        return 0;
    }
    if (ss.ss_family == AF_INET) {
        return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
    }
    if (ss.ss_family == AF_INET6) {
        return ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return 0;
}

void net_local_addr(int fd, char *out, size_t out_len) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        snprintf(out, out_len, "%s", "");
        return;
    }
    net_format_addr((const struct sockaddr *)&ss, len, out, out_len);
}

void net_peer_addr(int fd, char *out, size_t out_len) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0) {
        snprintf(out, out_len, "%s", "");
        return;
    }
    net_format_addr((const struct sockaddr *)&ss, len, out, out_len);
}

bool net_is_ip_literal(const char *host) {
    struct in6_addr scratch;
    return inet_pton(AF_INET, host, &scratch) == 1 || inet_pton(AF_INET6, host, &scratch) == 1;
}
