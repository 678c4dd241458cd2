import type { Command } from '../command.js';

export const replay: Command = {
  name: 'replay',
  summary: 'Re-write an offset or time range of one signal topic into ClickHouse (safe to repeat).',
  examples: [
    'tributary replay --signal logs --from 2026-11-24T10:00:00Z --to 2026-11-24T11:00:00Z',
    'tributary replay --signal traces --from earliest          # up to the end each partition has now',
    '(add --clickhouse-url/--clickhouse-database to target another ClickHouse; run migrate there first)',
  ],
  run: async (loaded) => (await import('../../writer/replay.js')).runReplayCommand(loaded.config),
};
