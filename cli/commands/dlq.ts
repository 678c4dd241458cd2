import type { Command } from '../command.js';

export const dlq: Command = {
  name: 'dlq',
  usage: 'list|show|redrive',
  summary:
    'Inspect dead letters (reason, source offset, decoded preview) and re-drive them through the delivery core once the cause is fixed (never twice).',
  examples: [
    'tributary dlq list --signal logs',
    'tributary dlq show --signal logs --offsets 0:12',
    'tributary dlq redrive --signal logs --offsets 0:12,0:13',
  ],
  run: async (loaded, positional) =>
    (await import('../../ops/dlq/run.js')).runDlqCommand(loaded.config, positional),
};
