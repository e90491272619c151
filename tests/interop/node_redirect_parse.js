#!/usr/bin/env node
// Runs MariaDB Connector/Node.js's own redirect handling (Connection.redirect in
// node_modules/mariadb/lib/connection.js) on every vector and prints one JSON object per
// vector: {"url", "accepts", "host", "port", "outcome"}.
//
// Nothing is re-implemented here: a real Connection is built with permitRedirect on, and
// the package's redirect() runs unchanged. Only Connection.prototype.connect is replaced,
// so that the connection the package would open to the redirect target is recorded (its
// final options: host after decodeURIComponent and the options' defaults, port) instead of
// dialled.
//
// Usage: node node_redirect_parse.js VECTORS_FILE
//   VECTORS_FILE holds one JSON string literal per line (blank lines and lines starting
//   with '#' are skipped).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.join(here, 'node_modules', 'mariadb');
// The package's "exports" map hides lib/; importing by file URL loads the same module the
// package itself uses.
const { default: Connection } = await import(pathToFileURL(path.join(pkgDir, 'lib', 'connection.js')));
const { default: ConnOptions } = await import(
  pathToFileURL(path.join(pkgDir, 'lib', 'config', 'connection-options.js'))
);
const pkgVersion = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;

// The origin must differ from every vector's target: redirect() skips a target equal to
// the current host and port.
const ORIGIN_HOST = 'origin.libredir.invalid';
const ORIGIN_PORT = 1;

let captured = null;
Connection.prototype.connect = function () {
  captured = { host: this.opts.host, port: this.opts.port };
  return Promise.reject(new Error('libredir interop: connection not opened'));
};

function runOne(value) {
  return new Promise((resolve) => {
    captured = null;
    const errors = [];
    const opts = new ConnOptions({
      host: ORIGIN_HOST,
      port: ORIGIN_PORT,
      user: 'origin',
      permitRedirect: true,
      logger: { error: (e) => errors.push(String(e && e.message)) }
    });
    const conn = new Connection(opts);
    const done = () => {
      if (captured !== null) {
        resolve({ url: value, accepts: true, host: captured.host, port: captured.port, outcome: 'connect' });
      } else if (errors.some((m) => m.startsWith('error parsing redirection string'))) {
        resolve({ url: value, accepts: false, host: null, port: null, outcome: 'parse-error' });
      } else {
        resolve({ url: value, accepts: false, host: null, port: null, outcome: 'ignored' });
      }
    };
    try {
      conn.redirect(value, done);
    } catch (e) {
      // e.g. URIError from decodeURIComponent on the host: the package throws instead of
      // logging, so it does not redirect either.
      resolve({
        url: value,
        accepts: false,
        host: null,
        port: null,
        outcome: 'throws ' + (e && e.name)
      });
    }
  });
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node node_redirect_parse.js VECTORS_FILE\n');
  process.exit(2);
}
const vectors = fs
  .readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'))
  .map((l) => JSON.parse(l));

process.stderr.write(`mariadb ${pkgVersion}\n`);
for (const v of vectors) {
  const r = await runOne(v);
  process.stdout.write(JSON.stringify(r) + '\n');
}
