/**
 * Where a partition's writing starts, and what happens when Kafka no longer has that position.
 * The done state decides; the group's committed offset only seeds it once (a database written by an
 * earlier writer version); a partition with neither starts at the earliest (or latest) offset.
 */
import type { FetchedPartition } from '../kafka/port.js';
import type { SignalWriterOptions } from './consume.js';
import type { DeliveryDeps } from './delivery/protocol.js';
import type { PartitionWorker } from './partition.js';
import { LEGACY_RULES, legacyRangeAt } from './delivery/legacy.js';
import { withRetry } from './retry.js';

type Options = Pick<SignalWriterOptions, 'ranges' | 'source' | 'admin' | 'startFrom' | 'log'>;

export async function initialPosition(
  worker: PartitionWorker,
  deps: DeliveryDeps,
  options: Options,
): Promise<number> {
  const range = options.ranges?.get(worker.key);
  if (range) {
    // Replay: start where asked, snapped to the start of a plan that contains it.
    const plan = await deps.state.planContaining(worker.stream, range.start);
    return plan ? plan.start : range.start;
  }
  const resumed = await deps.state.resumePosition(worker.stream);
  if (resumed !== undefined) return resumed;
  const tp = { topic: worker.topic, partition: worker.partition };
  const committed = (await options.source.committed([tp])).get(worker.key);
  if (committed !== undefined) {
    // An earlier writer version committed up to here: take it over as done.
    await deps.state.markDone(worker.stream, tp, { start: 0, end: committed, kind: 'seeded' }, 0);
    options.log.info('done state seeded from the committed offset', { partition: worker.key, committed });
    await adoptLegacyBatch(worker, deps, options, committed);
    return committed;
  }
  const offsets = await options.admin.offsets(worker.topic);
  const p = offsets.find((o) => o.partition === worker.partition);
  return options.startFrom === 'latest' ? (p?.high ?? 0) : (p?.low ?? 0);
}

/**
 * The old writer's batch in flight at the upgrade (recorded in its ledger, not committed) becomes a
 * plan rebuilt under the old tokens, so whatever part of it was already inserted is deduplicated.
 */
async function adoptLegacyBatch(
  worker: PartitionWorker,
  deps: DeliveryDeps,
  options: Options,
  committed: number,
): Promise<void> {
  const range = await legacyRangeAt(deps.client, deps.database, worker, committed);
  if (!range) return;
  await deps.state.propose(worker.stream, {
    ...range,
    ruleVersion: LEGACY_RULES,
    digest: '',
    writer: deps.writerId,
  });
  options.log.info('the old writer left a batch in flight; rebuilding it under its old tokens', {
    partition: worker.key,
    ...range,
  });
}

/**
 * A partition fetch failed. Transient failures are retried by the next round; OFFSET_OUT_OF_RANGE
 * means retention deleted records before they were written: the lost range is recorded in the done
 * state, logged at error and counted — never a silent jump to the latest offset.
 */
export async function onFetchError(
  worker: PartitionWorker,
  fetched: FetchedPartition,
  deps: DeliveryDeps,
  options: Options,
): Promise<void> {
  const error = fetched.error!;
  if (error.kind !== 'out-of-range') {
    options.log.debug('partition fetch failed; retrying', { partition: worker.key, reason: error.message });
    await new Promise((r) => setTimeout(r, 200));
    return;
  }
  const offsets = await withRetry('partition offsets', deps, () => options.admin.offsets(worker.topic), {
    classify: () => 'retryable',
  });
  const low = offsets.find((o) => o.partition === worker.partition)?.low ?? 0;
  // An open batch's records below `low` are gone from Kafka too: the lost range starts with them.
  const from = worker.batch?.start ?? worker.position!;
  if (low <= from) return;
  await withRetry('done state', deps, () =>
    deps.state.markDone(worker.stream, worker, { start: from, end: low, kind: 'lost' }, 0),
  );
  deps.metrics.lostRecords.inc({ topic: worker.topic }, low - from);
  options.log.error('records deleted by Kafka retention before they were written', {
    partition: worker.key,
    from,
    to: low,
    lost: low - from,
  });
  worker.reset(low);
}
