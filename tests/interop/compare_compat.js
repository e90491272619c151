#!/usr/bin/env node
// Compares the connector-nodejs entries of `redir url --compat` output (ACTUAL, one JSON
// object per line) with what Connector/Node.js itself did (EXPECTED, the output of
// node_redirect_parse.js). Prints every difference; exit status 1 when there is one.
//
// Usage: node compare_compat.js EXPECTED ACTUAL

import fs from 'node:fs';

const [expectedFile, actualFile] = process.argv.slice(2);
if (!expectedFile || !actualFile) {
  process.stderr.write('usage: node compare_compat.js EXPECTED ACTUAL\n');
  process.exit(2);
}
const lines = (f) =>
  fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
const expected = lines(expectedFile);
const actual = lines(actualFile);

let failures = 0;
let agree = 0;
if (expected.length !== actual.length) {
  console.log(`FAIL: ${expected.length} vectors from the package, ${actual.length} lines from redir`);
  failures++;
}
const n = Math.min(expected.length, actual.length);
for (let i = 0; i < n; i++) {
  const e = expected[i];
  const a = actual[i];
  const got = a.compat && a.compat['connector-nodejs'];
  const name = JSON.stringify(e.url);
  if (a.url !== e.url) {
    console.log(`FAIL ${name}: redir printed the url ${JSON.stringify(a.url)}`);
    failures++;
    continue;
  }
  if (!got) {
    console.log(`FAIL ${name}: no compat.connector-nodejs in redir's output`);
    failures++;
    continue;
  }
  const want = { accepts: e.accepts, host: e.host, port: e.port };
  const have = { accepts: got.accepts, host: got.host, port: got.port };
  if (JSON.stringify(want) !== JSON.stringify(have)) {
    console.log(`FAIL ${name}: package ${JSON.stringify(want)} (${e.outcome}), model ${JSON.stringify(have)}`);
    failures++;
  } else {
    agree++;
  }
}
console.log(`${agree} of ${expected.length} vectors agree`);
process.exit(failures === 0 ? 0 : 1);
