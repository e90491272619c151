#include "redir/command.h"

/* These strings appear in tool output and must not change. */
static const char *const com_names[] = {
    [REDIR_COM_SLEEP] = "sleep",
    [REDIR_COM_QUIT] = "quit",
    [REDIR_COM_INIT_DB] = "init-db",
    [REDIR_COM_QUERY] = "query",
    [REDIR_COM_FIELD_LIST] = "field-list",
    [REDIR_COM_CREATE_DB] = "create-db",
    [REDIR_COM_DROP_DB] = "drop-db",
    [REDIR_COM_REFRESH] = "refresh",
    [REDIR_COM_SHUTDOWN] = "shutdown",
    [REDIR_COM_STATISTICS] = "statistics",
    [REDIR_COM_PROCESS_INFO] = "process-info",
    [REDIR_COM_CONNECT] = "connect",
    [REDIR_COM_PROCESS_KILL] = "process-kill",
    [REDIR_COM_DEBUG] = "debug",
    [REDIR_COM_PING] = "ping",
    [REDIR_COM_TIME] = "time",
    [REDIR_COM_DELAYED_INSERT] = "delayed-insert",
    [REDIR_COM_CHANGE_USER] = "change-user",
    [REDIR_COM_BINLOG_DUMP] = "binlog-dump",
    [REDIR_COM_TABLE_DUMP] = "table-dump",
    [REDIR_COM_CONNECT_OUT] = "connect-out",
    [REDIR_COM_REGISTER_SLAVE] = "register-slave",
    [REDIR_COM_STMT_PREPARE] = "stmt-prepare",
    [REDIR_COM_STMT_EXECUTE] = "stmt-execute",
    [REDIR_COM_STMT_SEND_LONG_DATA] = "stmt-send-long-data",
    [REDIR_COM_STMT_CLOSE] = "stmt-close",
    [REDIR_COM_STMT_RESET] = "stmt-reset",
    [REDIR_COM_SET_OPTION] = "set-option",
    [REDIR_COM_STMT_FETCH] = "stmt-fetch",
    [REDIR_COM_DAEMON] = "daemon",
    [REDIR_COM_BINLOG_DUMP_GTID] = "binlog-dump-gtid",
    [REDIR_COM_RESET_CONNECTION] = "reset-connection",
    [REDIR_COM_CLONE] = "clone",
    [REDIR_COM_SUBSCRIBE_GROUP_REPLICATION_STREAM] = "subscribe-group-replication-stream",
};

const char *redir_com_name(uint8_t command) {
    if (command < sizeof com_names / sizeof com_names[0]) {
        return com_names[command];
    }
    if (command == REDIR_COM_STMT_BULK_EXECUTE) {
        return "stmt-bulk-execute";
    }
    if (command == REDIR_COM_MULTI) {
        return "com-multi";
    }
    return NULL;
}
