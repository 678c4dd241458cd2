/** How to reach a Kafka cluster: the part of the configuration every Kafka client shares. */
import type { Logger } from '../core/log.js';
import type { KafkaSecurity } from './security.js';

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly log?: Logger;
  /** Per-request timeout: a down broker produces errors, never hangs. */
  readonly requestTimeoutMs?: number;
  readonly connectionTimeoutMs?: number;
  /** TLS and SASL, from kafkaSecurity(config); plaintext without auth when absent. */
  readonly security?: KafkaSecurity | undefined;
}
