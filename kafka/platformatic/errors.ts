/** @platformatic/kafka failures in the port's terms (KafkaError with a code and retryability). */
import { findErrorBy } from '@platformatic/kafka';
import { KafkaError } from '../port.js';

const has = (err: Error, apiId: string): boolean => findErrorBy(err, 'apiId', apiId) !== null;

/** Every error in the tree the client builds (AggregateErrors, causes), for failures it nests deep. */
function all(err: unknown, out: Error[] = []): Error[] {
  if (!(err instanceof Error) || out.includes(err)) return out;
  out.push(err);
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner)) for (const e of inner) all(e, out);
  all(err.cause, out);
  return out;
}

export function toKafkaError(err: unknown, what: string): KafkaError {
  if (err instanceof KafkaError) return err;
  const error = err instanceof Error ? err : new Error(String(err));
  const message = `${what}: ${describe(error)}`;
  if (has(error, 'MESSAGE_TOO_LARGE') || has(error, 'RECORD_LIST_TOO_LARGE'))
    return new KafkaError('MESSAGE_TOO_LARGE', message, false, { cause: error });
  const tree = all(error);
  if (
    has(error, 'UNKNOWN_TOPIC_OR_PARTITION') ||
    has(error, 'UNKNOWN_TOPIC_ID') ||
    // The client's metadata request reports a missing topic only as a UserError with this text.
    tree.some((e) => e.message.startsWith('Unknown topic '))
  )
    return new KafkaError('UNKNOWN_TOPIC', message, true, { cause: error });
  if (
    has(error, 'ILLEGAL_GENERATION') ||
    has(error, 'UNKNOWN_MEMBER_ID') ||
    has(error, 'FENCED_MEMBER_EPOCH') ||
    has(error, 'STALE_MEMBER_EPOCH') ||
    has(error, 'REBALANCE_IN_PROGRESS')
  )
    return new KafkaError('FENCED', message, false, { cause: error });
  if (
    has(error, 'SASL_AUTHENTICATION_FAILED') ||
    has(error, 'TOPIC_AUTHORIZATION_FAILED') ||
    has(error, 'GROUP_AUTHORIZATION_FAILED') ||
    tree.some(
      (e) =>
        (e as { code?: string }).code === 'PLT_KFK_AUTHENTICATION' || /SASL|authenticat/i.test(e.message),
    )
  ) {
    const auth = tree.find((e) => (e as { code?: string }).code === 'PLT_KFK_AUTHENTICATION');
    return new KafkaError('AUTH', auth ? `${what}: ${auth.message}` : message, false, { cause: error });
  }
  if ((error as { code?: string }).code === 'PLT_KFK_TIMEOUT')
    return new KafkaError('TIMEOUT', message, true, { cause: error });
  if ((error as { code?: string }).code === 'PLT_KFK_NETWORK')
    return new KafkaError('NOT_CONNECTED', message, true, { cause: error });
  return new KafkaError('OTHER', message, true, { cause: error });
}

/** The innermost useful message: the client wraps broker errors in MultipleErrors. */
export function describe(error: Error): string {
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.length > 0) {
    const parts = inner.map((e) => (e instanceof Error ? describe(e) : String(e)));
    return [...new Set(parts)].slice(0, 3).join('; ');
  }
  return error.message;
}
