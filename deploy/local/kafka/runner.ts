// STUB — to be implemented (local Kafka KRaft runner). Signatures are the contract.
export interface StartKafkaOptions {
  /** Folder for the brokers' data and logs; created if missing. */
  readonly dataDir: string;
  /** Port of broker 0's client listener; broker i listens on port + i (controllers pick their own free ports). */
  readonly port: number;
  readonly brokerCount: number;
  /** Apache Kafka version resolved from Maven Central. */
  readonly version: string;
  /** Progress lines (Maven resolving, formatting, starting) for humans. */
  readonly onProgress?: (line: string) => void;
}

export interface LocalKafka {
  /** host:port of every broker. */
  readonly brokers: readonly string[];
  /** Stops every broker (SIGTERM, then SIGKILL after a deadline) and waits for the processes to exit. */
  stop(): Promise<void>;
  /** Kill -9 one broker (chaos tests). */
  killBroker(index: number): Promise<void>;
  /** Start a stopped broker again with the same data. */
  startBroker(index: number): Promise<void>;
}

export function startKafka(_options: StartKafkaOptions): Promise<LocalKafka> {
  return Promise.reject(new Error('not implemented yet'));
}
