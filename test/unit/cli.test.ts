import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { commands } from '../../core/cli/commands.js';
import { selfCommand } from '../../core/cli/self.js';

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

test('top-level --help lists every command', () => {
  const { code, stdout } = run(['--help']);
  assert.equal(code, 0);
  for (const c of commands) assert.match(stdout, new RegExp(`^  ${c.name} `, 'm'));
});

test('every command has --help with its options and their env names', () => {
  for (const c of commands) {
    const { code, stdout } = run([c.name, '--help']);
    assert.equal(code, 0, `${c.name} --help exits 0`);
    assert.match(stdout, new RegExp(`^Usage: tributary ${c.name}`, 'm'));
    assert.match(stdout, /env TRIBUTARY_LOG_LEVEL/);
  }
  assert.match(run(['receiver', '--help']).stdout, /--receiver-http-port/);
  assert.match(run(['writer', '--help']).stdout, /--writer-batch-rows/);
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
