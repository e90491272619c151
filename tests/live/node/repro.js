#!/usr/bin/env node
// repro.js HOST PORT USER PASSWORD [CA_FILE] [PACKAGE]
//
// Minimal reproduction: MariaDB Connector/Node.js 3.4.3 to 3.5.4 follows a
// login redirect (session-track redirect_url in the login OK) and logs in at
// the target (conn.info.port and the connection id are the target's), but the
// first command's response is delivered to the connector's internal
// connection object, where no command waits: ER_UNEXPECTED_PACKET, raised as
// an 'error' event nobody listens to, which ends the process. (3.2.3 to 3.4.2
// crash during the switch with a TypeError.) HOST:PORT is a server that
// redirects, e.g.
//   redir serve --listen 127.0.0.1:3307 --target mariadb://127.0.0.1:3306
// PACKAGE names the installed package to load (default: mariadb).
//
// Cause (lib/connection.js, Connection.redirect): once connected to the
// target, the connection ends itself and takes over the new connection's
// socket, streams, info and options; the input stream it takes over still
// feeds the temporary connection's receive queue. (`this.end()` also disables
// commands; only the login path enables them again, so after a redirect in a
// later OK every command fails with "connection closed".)
'use strict';
const fs = require('node:fs');
const [host, port, user, password, ca, pkg] = process.argv.slice(2);
const mariadb = require(pkg || 'mariadb');

(async () => {
    const conn = await mariadb.createConnection({
        host, port: Number(port), user, password, permitRedirect: true,
        ssl: ca ? { ca: fs.readFileSync(ca) } : false,
    });
    console.log(`connected: info.port ${conn.info.port}, connection id ${conn.threadId}`);
    try {
        const rows = await conn.query('SELECT @@port AS port, CONNECTION_ID() AS id');
        console.log(`query: port ${rows[0].port}, connection id ${rows[0].id}`);
    } catch (err) {
        console.log(`query: ${err.code}: ${err.message.split('\n')[0]}`);
    }
    conn.destroy();
})().catch((err) => {
    console.log(`connect: ${err.code}: ${err.message.split('\n')[0]}`);
    process.exitCode = 1;
});
