#!/usr/bin/env node
// capture-client.js SCENARIO
//
// Runs one client scenario with MariaDB Connector/Node.js against the server
// described by the environment printed by `mariadb-server.sh env`
// (MARIADB_HOST, MARIADB_PORT, MARIADB_USER, MARIADB_PASSWORD, MARIADB_ED_USER,
// MARIADB_ED_PASSWORD, MARIADB_DATABASE). Used by make-captures.sh for the
// scenarios the `mariadb` command-line client cannot produce.
//
// Scenarios: change-user, reset-connection, pipelined, prepared.
'use strict';

const mariadb = require('mariadb');

function env(name) {
    const v = process.env[name];
    if (v === undefined || v === '') {
        throw new Error(`environment variable ${name} is not set`);
    }
    return v;
}

function baseOptions() {
    return {
        host: env('MARIADB_HOST'),
        port: Number(env('MARIADB_PORT')),
        user: env('MARIADB_USER'),
        password: env('MARIADB_PASSWORD'),
        database: env('MARIADB_DATABASE'),
        ssl: false,
        connectTimeout: 10000,
        // Keep the wire traffic limited to what the scenario asks for.
        initSql: undefined,
        connectAttributes: false,
    };
}

async function expectError(promise, code) {
    try {
        await promise;
    } catch (err) {
        if (err.errno !== code) {
            throw new Error(`expected error ${code}, got ${err.errno}: ${err.message}`);
        }
        return;
    }
    throw new Error(`expected error ${code}, statement succeeded`);
}

function check(cond, what) {
    if (!cond) {
        throw new Error(`check failed: ${what}`);
    }
}

// COM_CHANGE_USER to an ed25519 account (the server switches the client to
// client_ed25519), back to the native-password account, then a failing
// change to an unknown account.
async function changeUser() {
    const conn = await mariadb.createConnection(baseOptions());
    try {
        let rows = await conn.query('SELECT CURRENT_USER() AS u');
        check(rows[0].u.startsWith(env('MARIADB_USER') + '@'), 'initial user');

        await conn.changeUser({ user: env('MARIADB_ED_USER'), password: env('MARIADB_ED_PASSWORD'),
                                database: env('MARIADB_DATABASE') });
        rows = await conn.query('SELECT CURRENT_USER() AS u');
        check(rows[0].u.startsWith(env('MARIADB_ED_USER') + '@'), 'ed25519 user');

        await conn.changeUser({ user: env('MARIADB_USER'), password: env('MARIADB_PASSWORD'),
                                database: env('MARIADB_DATABASE') });
        rows = await conn.query('SELECT CURRENT_USER() AS u, DATABASE() AS db');
        check(rows[0].u.startsWith(env('MARIADB_USER') + '@'), 'native user again');
    } finally {
        await conn.end();
    }

    // A failed change ends the session: the server closes after the ERR.
    // An unknown account fails the same way whatever password is given, so
    // a replay with the real passwords fails identically.
    const conn2 = await mariadb.createConnection(baseOptions());
    try {
        await expectError(conn2.changeUser({ user: 'no_such_user', password: 'whatever' }), 1045);
    } finally {
        conn2.destroy();
    }
}

// COM_RESET_CONNECTION drops session state: a user variable and a temporary
// table set before the reset are gone after it.
async function resetConnection() {
    const conn = await mariadb.createConnection(baseOptions());
    try {
        await conn.query('SET @kept = 42');
        await conn.query('CREATE TEMPORARY TABLE reset_tmp (a INT)');
        let rows = await conn.query('SELECT @kept AS v');
        check(Number(rows[0].v) === 42, 'variable before reset');
        await conn.reset();
        rows = await conn.query('SELECT @kept AS v');
        check(rows[0].v === null, 'variable after reset');
        await expectError(conn.query('SELECT * FROM reset_tmp'), 1146);
        await conn.ping();
    } finally {
        await conn.end();
    }
}

// Several commands written before any response is read; the connector
// pipelines them on one connection. The first one sleeps so that the
// others reach the server before its response. One of them fails.
async function pipelined() {
    const conn = await mariadb.createConnection({ ...baseOptions(), pipelining: true });
    try {
        const results = await Promise.allSettled([
            conn.query('SELECT SLEEP(0.3) AS a'),
            conn.query('SELECT 2 AS b, 3 AS c'),
            conn.query('SET @p = 7'),
            conn.query('SELECT * FROM no_such_table'),
            conn.query('SELECT @p AS p'),
            conn.query('DO SLEEP(0)'),
            conn.ping(),
        ]);
        check(results[0].status === 'fulfilled', 'first query');
        check(results[3].status === 'rejected' && results[3].reason.errno === 1146,
              'error in the pipeline');
        check(results[4].status === 'fulfilled' && Number(results[4].value[0].p) === 7,
              'query after the error');
    } finally {
        await conn.end();
    }
}

// Binary protocol: prepare, execute with typed parameters, a failing execute,
// close; a pipelined prepare+execute (conn.execute) and a bulk insert
// (COM_STMT_BULK_EXECUTE through conn.batch).
async function prepared() {
    const conn = await mariadb.createConnection({ ...baseOptions(), pipelining: true,
                                                  prepareCacheLength: 0 });
    try {
        await conn.query('DROP TABLE IF EXISTS prep_demo');
        await conn.query(
            'CREATE TABLE prep_demo (id INT PRIMARY KEY, name VARCHAR(32), ' +
            'price DECIMAL(10,2), seen DATETIME(3), blob_col BLOB)');

        const ins = await conn.prepare(
            'INSERT INTO prep_demo (id, name, price, seen, blob_col) VALUES (?, ?, ?, ?, ?)');
        await ins.execute([1, 'one', '1.50', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
                           Buffer.from([0, 1, 2, 255])]);
        await ins.execute([2, null, '2.25', null, null]);
        await expectError(ins.execute([1, 'dup', '0', null, null]), 1062);
        ins.close();

        const sel = await conn.prepare('SELECT id, name, price, seen, blob_col FROM prep_demo ' +
                                       'WHERE id >= ? ORDER BY id');
        const rows = await sel.execute([1]);
        check(rows.length === 2, 'two rows through the binary protocol');
        sel.close();

        const r = await conn.execute('SELECT ? + ? AS s, ? AS t', [40, 2, 'text']);
        check(Number(r[0].s) === 42, 'execute with pipelined prepare');

        await conn.batch('INSERT INTO prep_demo (id, name) VALUES (?, ?)',
                         [[10, 'ten'], [11, 'eleven'], [12, 'twelve']]);
        const c = await conn.query('SELECT COUNT(*) AS n FROM prep_demo');
        check(Number(c[0].n) === 5, 'rows after the bulk insert');

        await expectError(conn.prepare('SELECT * FROM no_such_table WHERE id = ?'), 1146);
        await conn.query('DROP TABLE prep_demo');
    } finally {
        await conn.end();
    }
}

const scenarios = {
    'change-user': changeUser,
    'reset-connection': resetConnection,
    'pipelined': pipelined,
    'prepared': prepared,
};

async function main() {
    const name = process.argv[2];
    const fn = scenarios[name];
    if (!fn) {
        console.error(`usage: capture-client.js ${Object.keys(scenarios).join('|')}`);
        process.exit(2);
    }
    await fn();
}

main().catch((err) => {
    console.error(`capture-client.js: ${err.stack || err}`);
    process.exit(1);
});
