import type { Command } from './command.js';
import { clickhouse } from './commands/clickhouse.js';
import { dev } from './commands/dev.js';
import { dlq } from './commands/dlq.js';
import { doctor } from './commands/doctor.js';
import { kafka } from './commands/kafka.js';
import { migrate } from './commands/migrate.js';
import { receiver } from './commands/receiver.js';
import { replay } from './commands/replay.js';
import { status } from './commands/status.js';
import { writer } from './commands/writer.js';

/** Every command, in the order `tributary --help` lists them. */
export const commands: readonly Command[] = [
  dev,
  receiver,
  writer,
  replay,
  migrate,
  kafka,
  clickhouse,
  doctor,
  status,
  dlq,
];
