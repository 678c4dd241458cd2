import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseArgs } from '../../cli/args.js';
import { keysFor } from '../../cli/command.js';
import { commandFlags, flagsOf } from '../../core/config/flags.js';
import { commands } from '../../cli/commands.js';
import { quickStart } from '../../cli/help.js';
import { type ConfigKey, commandNames, configSchema, isSecretOption } from '../../core/config/options.js';
import { fromRoot } from '../../core/paths.js';
import { selfCommand } from '../../core/self.js';

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { code: number | null; stdout: string; stderr: string } {
  const self = selfCommand();
  const result = spawnSync(self.command, [...self.args, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], ...env },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const allKeys = Object.keys(configSchema) as ConfigKey[];
/** The flags a help text lists, short and full (secrets are listed by their environment name instead). */
const flagsIn = (help: string): Set<string> =>
  new Set(
    (help.match(/^ {2}--[a-z0-9-]+(, --[a-z0-9-]+)*/gm) ?? []).flatMap((line) =>
      line.split(',').map((f) => f.trim()),
    ),
  );

test('top-level --help lists every command and the two quick-start lines', () => {
  const { code, stdout } = run(['--help']);
  assert.equal(code, 0);
  for (const c of commands) assert.match(stdout, new RegExp(`^  ${c.name} `, 'm'));
  const readme = readFileSync(fromRoot('README.md'), 'utf8');
  for (const line of quickStart) {
    assert.ok(stdout.includes(line), `--help shows: ${line}`);
    assert.ok(readme.includes(line), `the README quick start has: ${line}`);
  }
  assert.ok(stdout.split('\n').length < 30, 'the top-level help fits a screen');
});

test('every command of the schema has a command, and every key is read by some command', () => {
  assert.deepEqual(commands.map((c) => c.name).sort(), [...commandNames].sort());
  for (const key of allKeys) assert.ok(configSchema[key].readBy.length > 0, `${key} is read by a command`);
});

test("each command's --help shows exactly the options it reads, grouped, with an example", () => {
  for (const c of commands) {
    const { code, stdout } = run([c.name, '--help']);
    assert.equal(code, 0, `${c.name} --help exits 0`);
    assert.match(stdout, new RegExp(`^Usage: tributary ${c.name}`, 'm'));
    assert.match(
      stdout,
      new RegExp(`^Examples?:\\n  tributary ${c.name}\\b`, 'm'),
      `${c.name} has an example`,
    );
    const own = keysFor(c.name);
    const wanted = new Set([
      '--config',
      ...own.filter((k) => !isSecretOption(configSchema[k])).flatMap((k) => flagsOf(k, c.name)),
    ]);
    assert.deepEqual([...flagsIn(stdout)].sort(), [...wanted].sort(), `${c.name} --help lists its own flags`);
    // Groups appear in order and each flag sits under its own group's heading.
    const headings = [...stdout.matchAll(/^(Connection|Behaviour|Local stack|General)\b.*:$/gm)].map(
      (m) => m[1],
    );
    const order = ['Connection', 'Behaviour', 'Local stack', 'General'];
    assert.deepEqual(
      headings,
      order.filter((h) => headings.includes(h)),
      `${c.name} groups in order`,
    );
    for (const key of own) {
      const option = configSchema[key];
      if (isSecretOption(option)) continue;
      const before = stdout.slice(0, stdout.indexOf(`\n  ${flagsOf(key, c.name).join(', ')}`));
      const heading = [...before.matchAll(/^(Connection|Behaviour|Local stack|General)\b/gm)].at(-1)?.[1];
      assert.equal(heading?.toLowerCase(), option.group, `${c.name}: ${key} under ${option.group}`);
    }
  }
  const replay = run(['replay', '--help']).stdout;
  assert.doesNotMatch(replay, /--kafka-broker-count|--receiver-http-port|--clickhouse-data-dir/);
  assert.match(replay, /^ {2}--from, --replay-from <value>$/m);
  // Replay reads the batching and row-rule keys too (they are pinned in plans): still well under the 100+ unrelated lines it had.
  assert.ok(replay.split('\n').length < 140, 'replay --help stays short');
  const writer = run(['writer', '--help']).stdout;
  assert.doesNotMatch(writer, /--receiver-|--kafka-port|--replay-/);
  assert.match(writer, /--writer-batch-rows/);
  assert.match(run(['receiver', '--help']).stdout, /--receiver-http-port/);
  assert.match(run(['kafka', '--help']).stdout, /Local stack[^\n]*:\n {2}--state-dir/);
});

test('an unknown command, option or bad value exits non-zero naming it', () => {
  const unknownCommand = run(['frobnicate']);
  assert.equal(unknownCommand.code, 2);
  assert.match(unknownCommand.stderr, /unknown command 'frobnicate'/);
  const unknownFlag = run(['receiver', '--recever-http-port', '1']);
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /--recever-http-port/);
  const foreignFlag = run(['kafka', '--writer-batch-rows', '1']);
  assert.equal(foreignFlag.code, 2);
  assert.match(foreignFlag.stderr, /not an option of this command/);
  const badValue = run(['receiver'], { TRIBUTARY_RECEIVER_HTTP_PORT: 'eighty' });
  assert.equal(badValue.code, 2);
  assert.match(badValue.stderr, /receiver\.httpPort: "eighty" is not allowed; expected an integer/);
});

test('nothing below the command line imports it', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(fromRoot(dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (
        entry.name.endsWith('.ts') &&
        /from '(\.\.\/)+cli\//.test(readFileSync(fromRoot(path), 'utf8'))
      )
        offenders.push(path);
    }
  };
  for (const dir of ['core', 'receiver', 'writer', 'schemas', 'deploy', 'bench']) walk(dir);
  assert.deepEqual(offenders, []);
});

test("a command's own options have short flags: `replay --signal --from --to`, `dlq --signal --offsets --all`", () => {
  const shortOf = (command: (typeof commandNames)[number]): string[] =>
    [...commandFlags(command)]
      .filter(([flag, key]) => flagsOf(key, command)[0] === flag && flagsOf(key, command).length > 1)
      .map(([flag]) => flag);
  assert.deepEqual(shortOf('replay'), ['--signal', '--from', '--to']);
  assert.deepEqual(shortOf('dlq'), ['--signal', '--offsets', '--all', '--limit']);
  assert.deepEqual(shortOf('status'), ['--endpoints', '--metrics-endpoints', '--interval-ms']);
  assert.deepEqual(shortOf('doctor'), ['--replay-window-ms']);
  // The long forms keep working, and a short flag belongs to its own command only.
  assert.equal(commandFlags('replay').get('--replay-from'), 'replay.from');
  assert.equal(commandFlags('dlq').get('--from'), undefined);
  const foreign = run(['dlq', 'list', '--from', 'earliest']);
  assert.equal(foreign.code, 2);
  assert.match(foreign.stderr, /config --from: unknown option/);
  // Help, README and the operations guide show the commands as people type them.
  for (const [command, short] of [
    ['replay', '--signal'],
    ['dlq', '--offsets'],
    ['doctor', '--replay-window-ms'],
    ['status', '--endpoints'],
  ] as const)
    assert.match(
      run([command, '--help']).stdout,
      new RegExp(`^Examples?:\\n(  .*\\n)*  tributary ${command} .*${short} `, 'm'),
    );
  for (const doc of ['README.md', 'docs/operations.md']) {
    const text = readFileSync(fromRoot(doc), 'utf8');
    assert.ok(/tributary replay --signal \w+ --from\s/.test(text), `${doc} shows replay as people type it`);
    assert.ok(!/tributary (replay|dlq \w+) --(replay|dlq)-/.test(text), `${doc} shows no long-form examples`);
  }
});

test('a bare boolean flag takes no positional as its value: `dlq --all redrive`', () => {
  const parsed = parseArgs(['--all', 'redrive', '--json', '--limit', '5'], commandFlags('dlq'));
  assert.deepEqual(parsed.flags, { '--all': 'true', '--json': 'true', '--limit': '5' });
  assert.deepEqual(parsed.positional, ['redrive']);
  assert.deepEqual(parseArgs(['--dlq-all', 'false'], commandFlags('dlq')).flags, { '--dlq-all': 'false' });
});
