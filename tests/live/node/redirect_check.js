#!/usr/bin/env node
// redirect_check.js PACKAGE [login|mid-session]
//
// Connects with MariaDB Connector/Node.js (the installed package PACKAGE, e.g.
// mariadb or mariadb-3.2.3) and permitRedirect to a server that redirects
// (REDIRECT_PORT), then prints one JSON line describing what happened:
//   version   the package's version
//   connect   "ok", or how the connection failed ({error|crash|timeout})
//   first     (mid-session) the first command, whose OK carries the redirect
//   infoPort, threadId   conn.info.port and the connection id the client
//             reports once redirected
//   target    (login) what the target (TARGET_PORT, a mariadbd) says of that
//             connection id, asked over a separate direct connection:
//             {port, user} (user null when the target has no such connection)
//   query     the next command on the redirected connection: SELECT @@port,
//             CONNECTION_ID() {port, id} (login), {ok: true} (mid-session),
//             or {error|crash|timeout}
// login: the redirect comes in the login OK (`redir serve`); mid-session: in
// the OK of the first command (`redir serve --scenario mid-session`).
// Environment: REDIRECT_PORT, TARGET_PORT (login), DB_USER, DB_PASSWORD, CA
// (PEM file of the CA that issued the certificates; TLS is verified).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const pkg = process.argv[2] || 'mariadb';
const mode = process.argv[3] || 'login';
const mariadb = require(pkg);
const version = JSON.parse(fs.readFileSync(
    path.join(__dirname, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const env = (n) => {
    const v = process.env[n];
    if (!v) throw new Error(`${n} is not set`);
    return v;
};

// An error the connector raises outside any promise (an 'error' event on an
// object the application never sees, a throw in a callback) ends up here.
let onCrash = () => {};
const crashed = new Promise((resolve) => { onCrash = resolve; });
process.on('uncaughtException', (err) => onCrash(err));
process.on('unhandledRejection', (err) => onCrash(err));

const describe = (err) => `${err.code || err.name}: ${String(err.message).split('\n')[0]}`;

// settle(promise): {value} | {error} | {crash} | {timeout}, whichever first.
function settle(promise, ms) {
    let timer;
    return Promise.race([
        promise.then((value) => ({ value }), (err) => ({ error: describe(err) })),
        crashed.then((err) => ({ crash: describe(err) })),
        new Promise((resolve) => { timer = setTimeout(() => resolve({ timeout: `${ms} ms` }), ms); }),
    ]).finally(() => clearTimeout(timer));
}

const options = (port, redirect) => ({
    host: '127.0.0.1', port, user: env('DB_USER'), password: env('DB_PASSWORD'),
    ssl: { ca: fs.readFileSync(env('CA')) }, permitRedirect: redirect, connectTimeout: 5000,
});

async function login(conn, out) {
    const direct = await mariadb.createConnection(options(Number(env('TARGET_PORT')), false));
    const rows = await direct.query(
        'SELECT @@port AS port, (SELECT USER FROM information_schema.PROCESSLIST WHERE ID = ?) AS user',
        [conn.threadId]);
    out.target = { port: Number(rows[0].port), user: rows[0].user };
    await direct.end();

    const q = await settle(conn.query('SELECT @@port AS port, CONNECTION_ID() AS id'), 5000);
    out.query = q.value ? { port: Number(q.value[0].port), id: Number(q.value[0].id) } : q;
}

async function midSession(conn, out) {
    const first = await settle(conn.query('DO 1'), 5000);
    out.first = 'value' in first ? { ok: true } : first;
    out.infoPort = conn.info.port;
    out.threadId = conn.threadId;
    const q = await settle(conn.query('DO 2'), 5000);
    out.query = 'value' in q ? { ok: true } : q;
}

(async () => {
    const out = { version };
    const c = await settle(mariadb.createConnection(options(Number(env('REDIRECT_PORT')), true)), 8000);
    if (!c.value) {
        out.connect = c;
    } else {
        const conn = c.value;
        out.connect = 'ok';
        out.infoPort = conn.info.port;
        out.threadId = conn.threadId;
        await (mode === 'mid-session' ? midSession : login)(conn, out);
        conn.destroy();
    }
    console.log(JSON.stringify(out));
    process.exit(0);
})().catch((err) => {
    console.error(err);
    process.exit(2);
});
