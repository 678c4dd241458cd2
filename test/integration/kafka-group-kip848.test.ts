/**
 * The KIP-848 consumer group protocol through the port (GroupMember with protocol `consumer`) against
 * the broker we run (Kafka 4.1, group.consumer.session.timeout.ms = 10 s): the broker's assignment
 * covers every partition exactly once while members come and go (3 → 1 → 3), a member that keeps its
 * partitions keeps them through the rebalance (incremental, unlike the classic eager protocol), and a
 * member the broker removed after a pause longer than the session joins again by itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Assignment, type GroupMember, KafkaError, partitionKey } from '../../kafka/port.js';
import { uniqueName } from '../harness/env.js';
import { freshTopics, testKafka } from '../harness/kafka.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const keys = (a: Assignment | undefined): string[] =>
  (a?.partitions ?? []).map((p) => partitionKey(p.topic, p.partition)).sort();

/** Waits until the members' assignments are disjoint, cover `all` and give each member some. */
async function balanced(members: readonly GroupMember[], all: readonly string[]): Promise<string[][]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const owned = members.map((m) => keys(m.assignment()));
    const flat = owned.flat().sort();
    if (owned.every((o) => o.length > 0) && JSON.stringify(flat) === JSON.stringify([...all].sort()))
      return owned;
    if (Date.now() > deadline) throw new Error(`not balanced: ${JSON.stringify(owned)}`);
    await sleep(100);
  }
}

function groupOptions(topic: string, groupId: string) {
  return {
    groupId,
    topics: [topic],
    protocol: 'consumer' as const,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
  };
}

test('KIP-848 group: 3 → 1 → 3 members, every partition owned once, kept partitions never revoked', async () => {
  const { logs: topic } = await freshTopics(6);
  const kafka = testKafka(undefined, 'kip848-scale');
  const options = groupOptions(topic, uniqueName('kip848'));
  const all = Array.from({ length: 6 }, (_, i) => partitionKey(topic, i));
  const members: GroupMember[] = [];
  const add = async (): Promise<void> => {
    const member = kafka.group(options);
    members.push(member);
    await member.join();
  };
  try {
    for (let i = 0; i < 3; i++) await add();
    const three = await balanced(members, all);
    assert.deepEqual(
      three.map((o) => o.length),
      [2, 2, 2],
      'the broker spreads six partitions evenly',
    );

    // Scale down: the survivor is sampled all along; it must never lose what it owned (eager would).
    const survivor = members[0]!;
    const before = new Set(keys(survivor.assignment()));
    const fenceBefore = survivor.assignment()!.fence;
    let lostOwned = false;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const now = new Set(keys(survivor.assignment()));
        if ([...before].some((k) => !now.has(k))) lostOwned = true;
        await sleep(20);
      }
    })();
    await Promise.all(members.splice(1).map((m) => m.leave()));
    await balanced(members, all);
    sampling = false;
    await sampler;
    assert.equal(lostOwned, false, 'the surviving member kept its partitions through the rebalance');
    const fenceAfter = survivor.assignment()!.fence;
    assert.notEqual(fenceAfter.generation, fenceBefore.generation, 'a changed assignment has a new fence');
    await assert.rejects(
      survivor.commit([{ topic, partition: 0, position: 0 }], fenceBefore),
      (err: unknown) => err instanceof KafkaError && err.code === 'FENCED',
      'a batch begun under the old assignment cannot commit',
    );
    const owned = survivor.assignment()!;
    await survivor.commit(
      owned.partitions.map((p) => ({ ...p, position: 0 })),
      owned.fence,
    );

    // And back up: every partition is owned by exactly one of three members again.
    await add();
    await add();
    const again = await balanced(members, all);
    assert.deepEqual(
      again.map((o) => o.length),
      [2, 2, 2],
    );
  } finally {
    await Promise.allSettled(members.map((m) => m.leave()));
  }
});

test('KIP-848 group: a member paused past the session is removed and joins again by itself', async () => {
  const { logs: topic } = await freshTopics(2);
  const kafka = testKafka(undefined, 'kip848-pause');
  const member = kafka.group(groupOptions(topic, uniqueName('kip848-pause')));
  try {
    await member.join();
    const deadline = Date.now() + 30_000;
    while (keys(member.assignment()).length !== 2) {
      if (Date.now() > deadline) throw new Error('no assignment');
      await sleep(100);
    }
    const first = member.assignment()!;
    // Block this process (no heartbeats) longer than the broker's 10 s session, without burning CPU.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 14_000);
    const back = Date.now() + 60_000;
    for (;;) {
      const now = member.assignment();
      const renewed =
        now &&
        (now.fence.memberId !== first.fence.memberId || now.fence.generation !== first.fence.generation);
      if (renewed && keys(now).length === 2) break;
      if (Date.now() > back)
        throw new Error(`no new membership after the pause: ${JSON.stringify(now ?? null)}`);
      await sleep(100);
    }
    const now = member.assignment()!;
    await assert.rejects(
      member.commit([{ topic, partition: 0, position: 1 }], first.fence),
      (err: unknown) => err instanceof KafkaError && err.code === 'FENCED',
      'the removed membership cannot commit',
    );
    await member.commit([{ topic, partition: 0, position: 1 }], now.fence);
    assert.equal((await member.committed(now.partitions)).get(partitionKey(topic, 0)), 1);
  } finally {
    await member.leave();
  }
});
