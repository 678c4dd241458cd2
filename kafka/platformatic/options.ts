/** The port's connection settings as @platformatic/kafka client options. */
import type { BaseOptions } from '@platformatic/kafka';
import type { KafkaConnection } from '../connection.js';

export function baseOptions(connection: KafkaConnection, suffix: string): BaseOptions {
  const { tls, sasl } = connection.security ?? {};
  return {
    clientId: `${connection.clientId}${suffix}`,
    bootstrapBrokers: [...connection.brokers],
    connectTimeout: connection.connectionTimeoutMs ?? 3_000,
    requestTimeout: connection.requestTimeoutMs ?? 10_000,
    // Retries of the client itself stay short: tributary's callers own the retry policy.
    retries: 3,
    retryDelay: 250,
    metadataMaxAge: 5_000,
    autocreateTopics: false,
    ...(tls ? { tls: { ...tls, rejectUnauthorized: true } } : {}),
    ...(sasl
      ? {
          sasl: {
            mechanism: (
              { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const
            )[sasl.mechanism],
            username: sasl.username,
            password: sasl.password,
          },
        }
      : {}),
  };
}
