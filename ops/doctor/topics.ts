/**
 * Topic checks: what the delivery guarantee and the receiver's limits need from each signal topic
 * and its dead-letter topic, read through the Kafka port (effective configs, defaults included).
 */
import type { Config } from '../../core/config/options.js';
import { errorMessage } from '../../core/errors.js';
import type { KafkaAdmin } from '../../kafka/port.js';
import {
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  RECORD_FRAMING_BYTES,
  SIGNALS,
  dlqTopic,
  topicFor,
} from '../../schemas/topics.js';
import type { Finding } from './findings.js';

/** What production Kafka should give every topic: a broker may be lost without losing records. */
const REPLICATION_FACTOR = 3;
const MIN_INSYNC_REPLICAS = 2;

const hours = (ms: number): string => `${Math.round((ms / 3_600_000) * 10) / 10} h`;

async function checkTopic(
  admin: KafkaAdmin,
  topic: string,
  dlq: boolean,
  config: Config,
  singleBroker: boolean,
): Promise<{ findings: Finding[]; maxMessageBytes?: number }> {
  const subject = `topic ${topic}`;
  const findings: Finding[] = [];
  let partitions: number;
  let replicationFactor: number;
  try {
    ({ partitions, replicationFactor } = (await admin.describeTopics([topic]))[0]!);
  } catch (err) {
    return {
      findings: [
        {
          severity: 'error',
          subject,
          what: `cannot be described: ${errorMessage(err)}`,
          fix: `create it (tributary kafka creates the local ones; elsewhere: kafka-topics.sh --create --topic ${topic} --replication-factor 3 --config min.insync.replicas=2)`,
        },
      ],
    };
  }
  const settings = await admin.topicConfig(topic);
  const minInsync = Number(settings['min.insync.replicas'] ?? '1');
  const unclean = settings['unclean.leader.election.enable'] === 'true';
  const retentionMs = Number(settings['retention.ms'] ?? '-1');
  const maxMessageBytes = Number(settings['max.message.bytes'] ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
  if (!dlq && partitions < 2)
    findings.push({
      severity: 'warning',
      subject,
      what: `${partitions} partition: at most one writer can work on this signal`,
      fix: `kafka-topics.sh --alter --topic ${topic} --partitions <writers you want>`,
    });
  if (minInsync > replicationFactor)
    findings.push({
      severity: 'error',
      subject,
      what: `min.insync.replicas=${minInsync} is above the replication factor ${replicationFactor}: every acks=all write is refused`,
      fix: `kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config min.insync.replicas=${Math.max(1, replicationFactor - 1)}`,
    });
  // One broker cannot replicate: said once for the whole cluster (checkTopics), not for every topic.
  if (!singleBroker && replicationFactor < REPLICATION_FACTOR)
    findings.push({
      severity: 'warning',
      subject,
      what: `replication factor ${replicationFactor}: losing ${replicationFactor === 1 ? 'its broker' : 'two brokers'} loses acknowledged records`,
      fix: `kafka-reassign-partitions.sh with ${REPLICATION_FACTOR} replicas per partition`,
    });
  if (!singleBroker && minInsync < MIN_INSYNC_REPLICAS)
    findings.push({
      severity: 'warning',
      subject,
      what: `min.insync.replicas=${minInsync}: an acknowledged record may exist on one broker only and be lost with it`,
      fix: `replication factor ${REPLICATION_FACTOR} and kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config min.insync.replicas=${MIN_INSYNC_REPLICAS}`,
    });
  if (unclean)
    findings.push({
      severity: 'error',
      subject,
      what: 'unclean.leader.election.enable=true: a lagging replica can become leader and acknowledged records vanish',
      fix: `kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config unclean.leader.election.enable=false`,
    });
  const window = config['doctor.replayWindowMs'];
  if (retentionMs >= 0 && retentionMs < window)
    findings.push({
      severity: dlq ? 'warning' : 'error',
      subject,
      what: `retention.ms=${retentionMs} (${hours(retentionMs)}) is shorter than the replay window doctor.replayWindowMs=${window} (${hours(window)}): records are gone before they can be replayed${dlq ? ' or re-driven' : ' (or written, during a long ClickHouse outage)'}`,
      fix: `kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config retention.ms=${window}`,
    });
  findings.push({
    severity: 'info',
    subject,
    what: `${partitions} partitions, replication factor ${replicationFactor}, min.insync.replicas=${minInsync}, retention.ms=${retentionMs}, max.message.bytes=${maxMessageBytes}`,
  });
  return { findings, maxMessageBytes };
}

export async function checkTopics(admin: KafkaAdmin, config: Config): Promise<Finding[]> {
  const findings: Finding[] = [];
  const singleBroker = (await admin.brokerCount()) === 1;
  if (singleBroker)
    findings.push({
      severity: 'info',
      subject: 'kafka',
      what: `one broker: every topic has one replica and min.insync.replicas 1, as expected of a local stack (a lost broker loses records; production wants ${REPLICATION_FACTOR} brokers, replication factor ${REPLICATION_FACTOR}, min.insync.replicas=${MIN_INSYNC_REPLICAS})`,
    });
  const recordBytes = config['receiver.maxRecordBytes'];
  for (const signal of SIGNALS) {
    const topic = topicFor(config, signal);
    const main = await checkTopic(admin, topic, false, config, singleBroker);
    const dead = await checkTopic(admin, dlqTopic(topic), true, config, singleBroker);
    findings.push(...main.findings, ...dead.findings);
    if (main.maxMessageBytes !== undefined && main.maxMessageBytes < recordBytes + RECORD_FRAMING_BYTES)
      findings.push({
        severity: 'error',
        subject: `topic ${topic}`,
        what: `max.message.bytes=${main.maxMessageBytes} is below receiver.maxRecordBytes=${recordBytes} plus framing: the receiver's largest records are refused`,
        fix: `kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config max.message.bytes=${recordBytes + RECORD_FRAMING_BYTES} (or lower receiver.maxRecordBytes)`,
      });
    if (
      main.maxMessageBytes !== undefined &&
      dead.maxMessageBytes !== undefined &&
      dead.maxMessageBytes < main.maxMessageBytes + RECORD_FRAMING_BYTES
    )
      findings.push({
        severity: 'warning',
        subject: `topic ${dlqTopic(topic)}`,
        what: `max.message.bytes=${dead.maxMessageBytes} is below its source topic's (${main.maxMessageBytes}) plus the error headers: the largest dead letters cannot be written`,
        fix: `kafka-configs.sh --alter --entity-type topics --entity-name ${dlqTopic(topic)} --add-config max.message.bytes=${main.maxMessageBytes + RECORD_FRAMING_BYTES}`,
      });
  }
  return findings;
}
