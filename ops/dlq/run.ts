/** `tributary dlq list|show|redrive`: inspect dead letters and re-drive them once the cause is fixed. */
import { clickhouseFromConfig } from '../../core/clickhouse.js';
import type { Config } from '../../core/config/options.js';
import { TributaryError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { createKafka } from '../../kafka/create.js';
import { kafkaSecurity } from '../../kafka/security.js';
import type { Signal } from '../../schemas/otlp/shapes.js';
import { dlqTopic, topicFor } from '../../schemas/topics.js';
import { ruleVersion } from '../../writer/batch.js';
import { prepareDelivery } from '../../writer/delivery/preflight.js';
import { createWriterMetrics } from '../../writer/metrics.js';
import { DeadLetterQueue, bodyEncoding, rowRules, signalWriterBase } from '../../writer/setup.js';
import { parseRefs, preview, readLetters, viewOf } from './read.js';
import { redrive } from './redrive.js';

const ACTIONS = ['list', 'show', 'redrive'] as const;

export async function runDlqCommand(config: Config, positional: readonly string[]): Promise<void> {
  const action = positional[0] ?? 'list';
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new TributaryError(
      'CONFIG_INVALID',
      `tributary dlq: unknown action '${action}' (list, show, redrive)`,
    );
  const signal: Signal = config['dlq.signal'];
  const topic = dlqTopic(topicFor(config, signal));
  let refs;
  try {
    refs = parseRefs(config['dlq.offsets']);
  } catch (err) {
    throw new TributaryError('CONFIG_INVALID', `config dlq.offsets: ${(err as Error).message}`);
  }
  if (action === 'redrive' && refs.length === 0 && !config['dlq.all'])
    throw new TributaryError(
      'CONFIG_INVALID',
      'tributary dlq redrive: name the letters with --offsets (offset or partition:offset), or pass --all',
    );
  const log = createLogger({ component: 'dlq' });
  const kafka = createKafka({
    brokers: config['kafka.brokers'],
    clientId: `${config['kafka.clientId']}-dlq`,
    log,
    security: kafkaSecurity(config),
  });
  const admin = kafka.admin();
  const reader = kafka.reader();
  const out = (text: string): boolean => process.stdout.write(text + '\n');
  try {
    const letters = await readLetters(admin, reader, topic, refs, config['dlq.limit']);
    if (action === 'list') {
      const views = letters.map(viewOf);
      if (config.json) out(JSON.stringify({ topic, letters: views }, null, 2));
      else {
        out(
          `${topic}: ${views.length} dead letter(s)${views.length === config['dlq.limit'] ? ' (dlq.limit reached)' : ''}`,
        );
        for (const v of views)
          out(
            `  ${v.partition}:${v.offset}  ${v.at}  ${v.code}  from ${v.source.topic}:${v.source.partition}@${v.source.offset}  ${v.bytes} B${v.trimmedFrom === undefined ? '' : ` (trimmed from ${v.trimmedFrom} B)`}  ${v.reason}`,
          );
      }
      return;
    }
    if (action === 'show') {
      const shown = letters.map((l) => ({ ...viewOf(l), preview: preview(signal, l) }));
      if (config.json) out(JSON.stringify({ topic, letters: shown }, null, 2));
      else
        for (const s of shown)
          out(
            `${s.partition}:${s.offset}  ${s.code}  from ${s.source.topic}:${s.source.partition}@${s.source.offset}\n  reason: ${s.reason}\n  ${s.preview}\n`,
          );
      return;
    }
    const client = clickhouseFromConfig(config);
    const dlq = new DeadLetterQueue(kafka);
    try {
      const delivery = await prepareDelivery(client, config, bodyEncoding(config), log);
      const base = signalWriterBase(config, client, kafka, dlq, createWriterMetrics(), log, delivery);
      const rules = rowRules(config);
      const results = await redrive(
        letters,
        signal,
        admin,
        { ...base.deps, stillOwned: () => undefined, ruleVersion: ruleVersion(rules, signal) },
        rules,
      );
      if (config.json) out(JSON.stringify({ topic, results }, null, 2));
      else
        for (const r of results) out(`${topic} ${r.partition}:${r.offset}  ${r.outcome}  (${r.rows} rows)`);
      if (results.some((r) => r.outcome === 'dead-lettered again' || r.outcome === 'trimmed: not re-driven'))
        process.exitCode = 1;
    } finally {
      await Promise.allSettled([dlq.close(), client.close()]);
    }
  } finally {
    await Promise.allSettled([reader.close(), admin.close()]);
  }
}
