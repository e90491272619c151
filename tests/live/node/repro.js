#!/usr/bin/env node
// repro.js HOST PORT USER PASSWORD [CA_FILE] [PACKAGE]
//
// Minimal reproduction: MariaDB Connector/Node.js 3.2.3 to 3.5.4 follows a
// login redirect (session-track redirect_url in the login OK) to the target,
// then refuses every command with "Cannot execute new commands: connection
// closed". HOST:PORT is a server that redirects, e.g.
//   redir serve --listen 127.0.0.1:3307 --target mariadb://127.0.0.1:3306
// PACKAGE names the installed package to load (default: mariadb).
//
// Cause (lib/connection.js, Connection.redirect): once the connection to the
// target is made, the connection ends itself (`this.end()`, which sets
// `this.addCommand = this.addCommandDisabled`) and takes over the new
// connection's socket, streams, info and options, but never restores
// addCommand, so every later command is refused without being sent. (The
// target socket's data listener also stays bound to the temporary connection's
// receive queue.)
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
