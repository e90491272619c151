/* redir serve: the event loop. One epoll set holds the listeners, a signalfd
 * and every connection; connections come from a pool allocated once, so
 * serving more clients never grows memory or descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "serve.h"
#include "tls.h"

enum { SERVE_TAG_LISTENER = 1, SERVE_TAG_SIGNAL, SERVE_TAG_CONN };

typedef struct serve_listener {
    int tag;
    int fd;
    unsigned index;
} serve_listener;

struct serve_loop {
    serve_loop_config cfg;
    int epfd;
    int sigfd;
    int sig_tag;
    int spare_fd;                 /* given up to accept-and-refuse under EMFILE */
    serve_listener listeners[SERVE_MAX_LISTENERS];
    unsigned num_listeners;
    serve_conn *slots;
    uint8_t *arena;
    serve_conn *free_list;
    serve_conn *head, *tail;      /* active connections, oldest first */
    bool draining;
    uint32_t next_id;
    serve_stats stats;
};

uint64_t serve_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const serve_stats *serve_loop_stats(const serve_loop *l) { return &l->stats; }
SSL_CTX *serve_loop_tls(serve_loop *l) { return l->cfg.tls; }
void *serve_loop_handler_data(serve_loop *l) { return l->cfg.handler.data; }


static void set_err(char *err, size_t err_len, const char *msg) {
    if (err != NULL && err_len > 0) {
        snprintf(err, err_len, "%s", msg);
    }
}

/* Enough descriptors for the pool, the listeners and some slack. */
static bool raise_fd_limit(unsigned max_conns, char *err, size_t err_len) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return true;
    }
    rlim_t want = (rlim_t)max_conns + 64;
    if (rl.rlim_cur >= want) {
        return true;
    }
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
        snprintf(err, err_len, "--max-conns %u needs %lu descriptors; the limit is %lu",
                 max_conns, (unsigned long)want, (unsigned long)rl.rlim_max);
        return false;
    }
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        snprintf(err, err_len, "cannot raise the descriptor limit to %lu: %s",
                 (unsigned long)want, strerror(errno));
        return false;
    }
    return true;
}

serve_loop *serve_loop_new(const serve_loop_config *cfg, char *err, size_t err_len) {
    if (!raise_fd_limit(cfg->max_conns, err, err_len)) {
        return NULL;
    }
    serve_loop *l = calloc(1, sizeof *l);
    if (l == NULL) {
        set_err(err, err_len, "out of memory");
        return NULL;
    }
    l->cfg = *cfg;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->sigfd = -1;
    l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    /* calloc'd pages are only touched when a slot is first used */
    l->slots = calloc(cfg->max_conns, sizeof *l->slots);
    l->arena = calloc(cfg->max_conns, SERVE_SLOT_MEM);
    if (l->epfd < 0 || l->slots == NULL || l->arena == NULL) {
        set_err(err, err_len, "cannot allocate the connection pool");
        serve_loop_free(l);
        return NULL;
    }
    for (unsigned i = cfg->max_conns; i-- > 0;) {
        serve_conn *c = &l->slots[i];
        c->tag = SERVE_TAG_CONN;
        c->fd = -1;
        c->mem = l->arena + (size_t)i * SERVE_SLOT_MEM;
        c->next = l->free_list;
        l->free_list = c;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    l->sig_tag = SERVE_TAG_SIGNAL;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &l->sig_tag};
    if (l->sigfd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sigfd, &ev) != 0) {
        set_err(err, err_len, "cannot watch signals");
        serve_loop_free(l);
        return NULL;
    }
    signal(SIGPIPE, SIG_IGN);
    return l;
}

static void close_listeners(serve_loop *l) {
    for (unsigned i = 0; i < l->num_listeners; i++) {
        if (l->listeners[i].fd >= 0) {
            close(l->listeners[i].fd);
            l->listeners[i].fd = -1;
        }
    }
}

static void conn_close(serve_loop *l, serve_conn *c);

void serve_loop_free(serve_loop *l) {
    if (l == NULL) {
        return;
    }
    while (l->head != NULL) {
        conn_close(l, l->head);
    }
    close_listeners(l);
    if (l->sigfd >= 0) {
        close(l->sigfd);
    }
    if (l->spare_fd >= 0) {
        close(l->spare_fd);
    }
    if (l->epfd >= 0) {
        close(l->epfd);
    }
    free(l->slots);
    free(l->arena);
    free(l);
}

int serve_loop_listen(serve_loop *l, const char *addr, char *bound, size_t bound_len, char *err,
                      size_t err_len) {
    if (l->num_listeners == SERVE_MAX_LISTENERS) {
        set_err(err, err_len, "too many listeners");
        return -1;
    }
    int fd = net_listen(addr, 4096, err, err_len);
    if (fd < 0) {
        return -1;
    }
    serve_listener *s = &l->listeners[l->num_listeners];
    s->tag = SERVE_TAG_LISTENER;
    s->fd = fd;
    s->index = l->num_listeners;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        snprintf(err, err_len, "epoll: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (bound != NULL) {
        net_local_addr(fd, bound, bound_len);
    }
    return (int)l->num_listeners++;
}

/* ------------------------------------------------------------ connections */

static void list_remove(serve_loop *l, serve_conn *c) {
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        l->head = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    } else {
        l->tail = c->prev;
    }
    c->prev = c->next = NULL;
}

static void conn_close(serve_loop *l, serve_conn *c) {
    if (l->cfg.handler.on_close != NULL) {
        l->cfg.handler.on_close(l, c);
    }
    tls_close(c->ssl); /* close_notify without waiting for the peer's */
    c->ssl = NULL;
    close(c->fd); /* also removes it from the epoll set */
    c->fd = -1;
    list_remove(l, c);
    c->next = l->free_list;
    l->free_list = c;
    l->stats.active--;
    l->stats.closed++;
}

void serve_conn_finish(serve_conn *c, const char *outcome) {
    if (outcome != NULL && (c->outcome == NULL || c->state != SERVE_CONN_CLOSING)) {
        c->outcome = outcome;
    }
    c->state = SERVE_CONN_CLOSING;
}

static size_t pending_output(const serve_conn *c) {
    size_t n = 0;
    (void)redir_server_output(&c->srv, &n);
    return n;
}

/* Whether a read now has somewhere to go: not while the engine's buffer is
 * full of packets it will only report once the last one is answered. */
static bool can_read(serve_conn *c) {
    if (c->state == SERVE_CONN_CLOSING || c->read_eof) {
        return false;
    }
    if (c->state == SERVE_CONN_TLS || (c->exact_reads && c->need == 0)) {
        return true;
    }
    size_t room = 0;
    (void)redir_server_space(&c->srv, &room);
    return room > 0;
}

static void conn_watch(serve_loop *l, serve_conn *c) {
    uint32_t want = 0;
    if (can_read(c)) {
        want |= EPOLLIN;
    }
    if ((pending_output(c) > 0 && c->state != SERVE_CONN_TLS) || c->tls_want_write) {
        want |= EPOLLOUT;
    }
    if (want != c->events) {
        struct epoll_event ev = {.events = want, .data.ptr = c};
        (void)epoll_ctl(l->epfd, EPOLL_CTL_MOD, c->fd, &ev);
        c->events = want;
    }
}

/* A refusal when the pool is empty: written once without waiting, then the
 * socket is closed. */
static void refuse(int fd) {
    uint8_t pkt[128];
    size_t len = 0;
    if (serve_refusal(pkt, sizeof pkt, &len) == REDIR_OK) {
        (void)net_write(fd, pkt, len);
    }
    close(fd);
}

static void accept_all(serve_loop *l, serve_listener *s) {
    for (;;) {
        char peer[SERVE_ADDR_MAX];
        int fd = net_accept(s->fd, peer, sizeof peer);
        if (fd == NET_AGAIN) {
            return;
        }
        if (fd < 0) {
            if ((errno == EMFILE || errno == ENFILE) && l->spare_fd >= 0) {
                /* out of descriptors: make room for one, refuse it, restore */
                close(l->spare_fd);
                int fd2 = net_accept(s->fd, NULL, 0);
                if (fd2 >= 0) {
                    refuse(fd2);
                    l->stats.refused++;
                }
                l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                continue;
            }
            return;
        }
        serve_conn *c = l->free_list;
        if (c == NULL || l->draining) {
            refuse(fd);
            l->stats.refused++;
            continue;
        }
        l->free_list = c->next;
        uint8_t *mem = c->mem;
        memset(c, 0, sizeof *c);
        c->tag = SERVE_TAG_CONN;
        c->mem = mem;
        c->fd = fd;
        c->listener = s->index;
        c->id = ++l->next_id;
        c->accepted_ms = serve_now_ms();
        c->deadline_ms = c->accepted_ms + l->cfg.timeout_ms;
        snprintf(c->peer, sizeof c->peer, "%s", peer);
        c->prev = l->tail;
        if (l->tail != NULL) {
            l->tail->next = c;
        } else {
            l->head = c;
        }
        l->tail = c;
        l->stats.accepted++;
        l->stats.active++;
        if (l->stats.active > l->stats.peak) {
            l->stats.peak = l->stats.active;
        }
        c->events = EPOLLIN;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            c->outcome = "error";
            conn_close(l, c);
            continue;
        }
        l->cfg.handler.on_accept(l, c);
        if (c->state == SERVE_CONN_CLOSING && pending_output(c) == 0) {
            conn_close(l, c);
            continue;
        }
        conn_watch(l, c);
    }
}

static void start_tls(serve_loop *l, serve_conn *c, const redir_server_event *ev) {
    SSL_CTX *ctx = l->cfg.tls;
    /* exact reads leave no early TLS bytes in the engine's buffer */
    c->ssl = ctx != NULL && ev->tls_early.len == 0 ? tls_server_new(ctx, c->fd, NULL, 0) : NULL;
    if (c->ssl == NULL) {
        serve_conn_finish(c, "tls-failed");
        return;
    }
    c->state = SERVE_CONN_TLS;
    c->exact_reads = false;
    l->stats.tls++;
}

/* Hands the engine's events to the handler. */
static void conn_process(serve_loop *l, serve_conn *c) {
    redir_server_event ev;
    while (c->state != SERVE_CONN_CLOSING && c->state != SERVE_CONN_TLS &&
           redir_server_next(&c->srv, &ev) == REDIR_OK) {
        if (ev.type == REDIR_SERVER_EV_HANDSHAKE_RESPONSE) {
            c->exact_reads = false;
            c->logged_in = true;
        }
        if (ev.type == REDIR_SERVER_EV_COMMAND) {
            c->commands++;
        }
        if (ev.type == REDIR_SERVER_EV_ERROR) {
            l->stats.malformed++;
        }
        l->cfg.handler.on_event(l, c, &ev);
        if (ev.type == REDIR_SERVER_EV_START_TLS && !redir_server_finished(&c->srv) &&
            c->state != SERVE_CONN_CLOSING) {
            start_tls(l, c, &ev);
        }
    }
    if (redir_server_finished(&c->srv) && c->state != SERVE_CONN_CLOSING) {
        serve_conn_finish(c, NULL);
    }
}

/* Receives what the socket has, straight into the engine's input buffer.
 * Before TLS may start, exactly one packet at a time, so that no byte of a
 * TLS ClientHello lands in the plaintext buffer. Returns false on EOF,
 * error or when nothing more can be read now. */
static bool conn_read(serve_conn *c) {
    uint8_t *dst;
    size_t room;
    bool header = c->exact_reads && c->need == 0;
    if (header) {
        dst = c->hdr + c->hdr_len;
        room = REDIR_FRAME_HEADER_SIZE - c->hdr_len;
    } else {
        dst = redir_server_space(&c->srv, &room);
        if (c->exact_reads && room > c->need) {
            room = c->need;
        }
    }
    if (dst == NULL || room == 0) {
        return false;
    }
    ssize_t n;
    if (c->tls) {
        n = tls_read(c->ssl, dst, room, NULL, 0);
        c->tls_want_write = n == TLS_IO_WANT_WRITE;
        if (n == TLS_IO_WANT_READ || n == TLS_IO_WANT_WRITE) {
            return false;
        }
    } else {
        n = net_read(c->fd, dst, room);
        if (n == NET_AGAIN) {
            return false;
        }
    }
    if (n <= 0) {
        c->read_eof = true;
        if (c->outcome == NULL) {
            c->outcome = n == 0 ? "closed" : "reset";
        }
        return false;
    }
    if (!header) {
        if (redir_server_commit(&c->srv, (size_t)n) != REDIR_OK) {
            serve_conn_finish(c, "error");
            return false;
        }
        if (c->exact_reads) {
            c->need -= (size_t)n;
        }
        return true;
    }
    c->hdr_len += (size_t)n;
    if (c->hdr_len == REDIR_FRAME_HEADER_SIZE) {
        size_t taken = 0;
        if (redir_server_feed(&c->srv, &taken, c->hdr, REDIR_FRAME_HEADER_SIZE) != REDIR_OK ||
            taken != REDIR_FRAME_HEADER_SIZE) {
            serve_conn_finish(c, "error");
            return false;
        }
        c->need = (size_t)c->hdr[0] | (size_t)c->hdr[1] << 8 | (size_t)c->hdr[2] << 16;
        c->hdr_len = 0;
    }
    return true;
}

static void conn_write(serve_loop *l, serve_conn *c) {
    (void)l;
    while (c->state != SERVE_CONN_TLS) {
        size_t n = 0;
        const uint8_t *p = redir_server_output(&c->srv, &n);
        if (n == 0) {
            return;
        }
        ssize_t w;
        if (c->tls) {
            w = tls_write(c->ssl, p, n, NULL, 0);
            c->tls_want_write = w == TLS_IO_WANT_WRITE;
            if (w == TLS_IO_WANT_READ || w == TLS_IO_WANT_WRITE) {
                return;
            }
        } else {
            w = net_write(c->fd, p, n);
            if (w == NET_AGAIN) {
                return;
            }
        }
        if (w < 0) {
            c->write_failed = true;
            return;
        }
        redir_server_output_consume(&c->srv, (size_t)w);
    }
}

/* After the handler answered outside of an I/O event (a scenario's timer). */
void serve_loop_kick(serve_loop *l, serve_conn *c) {
    conn_process(l, c);
    conn_write(l, c);
    if (c->write_failed || (pending_output(c) == 0 && c->state == SERVE_CONN_CLOSING)) {
        conn_close(l, c);
        return;
    }
    conn_watch(l, c);
}

/* One readiness notification. */
static void conn_io(serve_loop *l, serve_conn *c, uint32_t events) {
    if (c->state == SERVE_CONN_TLS) {
        tls_step r = tls_handshake_step(c->ssl, NULL, 0);
        c->tls_want_write = r == TLS_STEP_WANT_WRITE;
        if (r == TLS_STEP_ERROR) {
            c->outcome = "tls-failed";
            conn_close(l, c);
            return;
        }
        if (r == TLS_STEP_DONE) {
            c->tls = true;
            c->state = SERVE_CONN_HANDSHAKE;
            if (redir_server_tls_done(&c->srv) != REDIR_OK) {
                c->outcome = "error";
                conn_close(l, c);
                return;
            }
        }
    }
    if (c->state != SERVE_CONN_TLS && !(events & EPOLLERR)) {
        for (int rounds = 0; rounds < 64; rounds++) {
            bool more = c->state != SERVE_CONN_CLOSING && !c->read_eof && conn_read(c);
            conn_process(l, c);
            conn_write(l, c); /* answers go out before the next packet is read */
            if (!more || c->write_failed) {
                break;
            }
        }
    }
    if ((events & EPOLLERR) || c->write_failed) {
        if (c->outcome == NULL) {
            c->outcome = "reset";
        }
        conn_close(l, c);
        return;
    }
    if (pending_output(c) == 0 && (c->state == SERVE_CONN_CLOSING || c->read_eof)) {
        conn_close(l, c);
        return;
    }
    conn_watch(l, c);
}

/* ------------------------------------------------------------------- run */

static void on_signal(serve_loop *l) {
    struct signalfd_siginfo si;
    while (read(l->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (!l->draining) {
            l->draining = true;
            close_listeners(l);
        }
    }
}

static void expire(serve_loop *l, uint64_t now) {
    while (l->head != NULL && l->head->deadline_ms <= now) {
        serve_conn *c = l->head;
        l->stats.timeouts++;
        c->outcome = "timeout";
        conn_close(l, c);
    }
}

/* When draining, connections that are past their redirect have nothing left
 * to finish: close them once their output is out. */
static void drain_idle(serve_loop *l) {
    serve_conn *c = l->head;
    while (c != NULL) {
        serve_conn *next = c->next;
        if (redir_server_state_of(&c->srv) == REDIR_SERVER_IDLE && pending_output(c) == 0) {
            if (c->outcome == NULL) {
                c->outcome = "drained";
            }
            conn_close(l, c);
        }
        c = next;
    }
}

int serve_loop_run(serve_loop *l) {
    struct epoll_event evs[256];
    for (;;) {
        uint64_t now = serve_now_ms();
        expire(l, now);
        if (l->draining) {
            drain_idle(l);
            if (l->head == NULL) {
                return 0;
            }
        }
        if (l->cfg.handler.on_tick != NULL && !l->cfg.handler.on_tick(l, now)) {
            return 0;
        }
        int timeout = 1000;
        if (l->head != NULL) {
            uint64_t d = l->head->deadline_ms > now ? l->head->deadline_ms - now : 0;
            timeout = d < 1000 ? (int)d : 1000;
        }
        if (l->cfg.handler.on_tick != NULL && timeout > 50) {
            timeout = 50; /* scenarios judge on time too */
        }
        int n = epoll_wait(l->epfd, evs, (int)(sizeof evs / sizeof evs[0]), timeout);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        for (int i = 0; i < n; i++) {
            int tag = *(int *)evs[i].data.ptr;
            if (tag == SERVE_TAG_SIGNAL) {
                on_signal(l);
            } else if (tag == SERVE_TAG_LISTENER) {
                serve_listener *s = evs[i].data.ptr;
                if (s->fd >= 0) {
                    accept_all(l, s);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            int tag = *(int *)evs[i].data.ptr;
            if (tag == SERVE_TAG_CONN) {
                serve_conn *c = evs[i].data.ptr;
                if (c->fd >= 0) {
                    conn_io(l, c, evs[i].events);
                }
            }
        }
    }
}
