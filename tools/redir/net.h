/*
 * Sockets for the redir tool's live subcommands (probe, serve, replay):
 * TCP connect with a timeout, listen and accept, and non-blocking reads and
 * writes that an event loop or a poll-driven client can call alike.
 *
 * Conventions:
 *  - Functions that can fail return -1 and, when err is not NULL, write a
 *    one-line message ("connect 127.0.0.1:3306: Connection refused") into
 *    err[0..err_len). errno is left as the failing call set it.
 *  - Every descriptor is created close-on-exec.
 *  - Timeouts are milliseconds; a negative timeout waits forever.
 *  - Addresses are written "HOST:PORT", IPv6 literals as "[ADDR]:PORT".
 */
#ifndef REDIR_TOOL_NET_H
#define REDIR_TOOL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Results of net_read / net_write besides a positive byte count. */
#define NET_EOF 0     /* net_read: the peer closed its side */
#define NET_AGAIN (-2) /* nothing can be done now; wait for the descriptor */
#define NET_ERROR (-1) /* the connection failed (errno says why) */

/* net_split_host_port splits "host:port", "[v6]:port", "host" or "[v6]" into
 * host (brackets removed) and port (default_port when none is written).
 * Returns -1 for an empty host, an empty or non-numeric port, or a result that
 * does not fit host_cap / port_cap. */
int net_split_host_port(const char *in, const char *default_port, char *host, size_t host_cap,
                        char *port, size_t port_cap, char *err, size_t err_len);

/* net_connect resolves host (a name or an address literal) and connects to
 * the first address of it that answers within timeout_ms each. The
 * descriptor returned is blocking, with TCP_NODELAY set. */
int net_connect(const char *host, const char *port, int timeout_ms, char *err, size_t err_len);

/* net_listen binds a TCP listening socket to "HOST:PORT" ("[v6]:PORT";
 * port 0 picks a free port, see net_local_port) with SO_REUSEADDR, and makes
 * it non-blocking. backlog as for listen(2). */
int net_listen(const char *addr, int backlog, char *err, size_t err_len);

/* net_accept accepts one connection on a non-blocking listening socket. It
 * returns the new descriptor, already non-blocking, close-on-exec and with
 * TCP_NODELAY, and writes the peer's address into peer ("HOST:PORT", may be
 * NULL). NET_AGAIN when no connection is waiting (or it vanished before it
 * was accepted), NET_ERROR otherwise (EMFILE included: the caller decides). */
int net_accept(int listen_fd, char *peer, size_t peer_len);

/* net_set_nonblocking switches O_NONBLOCK on or off. */
int net_set_nonblocking(int fd, bool on);

/* net_set_timeouts sets the receive and send timeouts of a blocking socket
 * (SO_RCVTIMEO, SO_SNDTIMEO); a blocked read or write then fails with EAGAIN. */
int net_set_timeouts(int fd, int timeout_ms);

/* net_wait waits until fd is ready for events (POLLIN and/or POLLOUT).
 * Returns 1 when ready (or in error: the next read or write reports it),
 * 0 on timeout, -1 on error. EINTR is retried with the time that is left. */
int net_wait(int fd, short events, int timeout_ms);

/* net_read reads up to cap bytes: a count > 0, NET_EOF, NET_AGAIN (a
 * non-blocking socket has nothing, or a blocking one timed out) or NET_ERROR.
 * EINTR is retried. */
ssize_t net_read(int fd, void *buf, size_t cap);

/* net_write writes up to len bytes without raising SIGPIPE: a count > 0
 * (possibly short), NET_AGAIN or NET_ERROR. EINTR is retried. */
ssize_t net_write(int fd, const void *buf, size_t len);

/* net_write_all writes all len bytes on a blocking or non-blocking socket,
 * waiting up to timeout_ms for each chunk to be accepted. Returns 0 or -1. */
int net_write_all(int fd, const void *buf, size_t len, int timeout_ms, char *err,
                  size_t err_len);

/* net_format_addr writes sa as "HOST:PORT" ("[v6]:PORT") into out. */
void net_format_addr(const struct sockaddr *sa, socklen_t sa_len, char *out, size_t out_len);

/* net_local_port / net_peer_port return the port of the socket's own or its
 * peer's address, 0 when unknown. net_local_addr / net_peer_addr format the
 * addresses as net_format_addr does ("" when unknown). */
uint16_t net_local_port(int fd);
void net_local_addr(int fd, char *out, size_t out_len);
void net_peer_addr(int fd, char *out, size_t out_len);

/* net_is_ip_literal is true when host is an IPv4 or IPv6 address literal
 * (without brackets). TLS uses it to check an address rather than a name. */
bool net_is_ip_literal(const char *host);

#endif
