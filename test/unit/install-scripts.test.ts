/**
 * A quiet `npm ci`: npm 11 lists every dependency whose install scripts package.json's `allowScripts`
 * does not cover (and a later npm blocks them). Each installed package with an install script must be
 * named there, and the three we have still work once installed.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fromRoot } from '../../core/paths.js';

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

interface Manifest {
  name: string;
  version: string;
  scripts?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

/** Every package under node_modules (scoped and nested ones too). */
function installedPackages(dir: string): Manifest[] {
  const out: Manifest[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      out.push(...installedPackages(join(dir, entry)));
      continue;
    }
    const path = join(dir, entry);
    try {
      out.push(JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as Manifest);
    } catch {
      continue; // not a package (a scope folder's stray file)
    }
    out.push(...installedPackages(join(path, 'node_modules')));
  }
  return out;
}

test("every dependency with an install script is approved in package.json's allowScripts", () => {
  const own = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as Manifest;
  const approved = own.allowScripts ?? {};
  const withScripts = installedPackages(fromRoot('node_modules')).filter((p) =>
    INSTALL_SCRIPTS.some((s) => p.scripts?.[s] !== undefined),
  );
  const names = [...new Set(withScripts.map((p) => p.name))].sort();
  assert.ok(names.length > 0, 'node_modules was read');
  assert.deepEqual(
    names.filter((name) => approved[name] !== true),
    [],
    'approve them with `npm install-scripts approve <pkg>` after reviewing the script',
  );
  assert.deepEqual(Object.keys(approved).sort(), names, 'no stale approval (`npm install-scripts prune`)');
});

test('the packages whose scripts run at install work once installed: chdb, esbuild, protobufjs', async () => {
  const require = createRequire(fromRoot('package.json'));
  const esbuild = require('esbuild') as typeof import('esbuild');
  assert.equal(esbuild.transformSync('let a: number = 1', { loader: 'ts' }).code.trim(), 'let a = 1;');
  const protobuf = require('protobufjs') as typeof import('protobufjs');
  const message = protobuf.parse('syntax = "proto3"; message M { string s = 1; }').root.lookupType('M');
  assert.deepEqual(message.toObject(message.decode(message.encode({ s: 'ok' }).finish())), { s: 'ok' });
  const chdb = (await import('chdb')) as { query(sql: string, format: string): string };
  assert.match(chdb.query('SELECT version()', 'CSV'), /^"26\./);
});
