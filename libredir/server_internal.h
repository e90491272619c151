/*
 * Internal to the server engine: shared between the input side (server.c)
 * and the answers (server_reply.c).
 */
#ifndef REDIR_SERVER_INTERNAL_H
#define REDIR_SERVER_INTERNAL_H

#include "redir/server.h"

/* Command bytes the engine itself acts on. */
#define SRV_COM_QUIT 0x01u
#define SRV_COM_CHANGE_USER 0x11u
#define SRV_COM_STMT_SEND_LONG_DATA 0x18u
#define SRV_COM_STMT_CLOSE 0x19u

/* srv_negotiate: the classic flags both sides have, and MariaDB's extended
 * half only when both cleared CLIENT_MYSQL. */
uint64_t srv_negotiate(uint64_t server_caps, uint64_t client_caps);

/* srv_to_idle: a command response (or the login) is complete; the next
 * client packet starts a command with sequence id 0. */
void srv_to_idle(redir_server *srv);

#endif
