import type { Command } from '../command.js';

export const doctor: Command = {
  name: 'doctor',
  summary:
    'Check the Kafka topics and ClickHouse tables against what the guarantees need; each finding with its fix (exit 1 on errors).',
  examples: [
    'tributary doctor --kafka-brokers kafka:9092 --clickhouse-url https://ch:8443 --clickhouse-database otel',
    'tributary doctor --replay-window-ms 259200000 --json',
  ],
  run: async (loaded) => (await import('../../ops/doctor/run.js')).runDoctorCommand(loaded.config),
};
