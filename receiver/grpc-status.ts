/** How a TributaryError is told to an OTLP/gRPC client: status code, message, RetryInfo trailer. */
import { Metadata, type StatusObject, status } from '@grpc/grpc-js';
import type { TributaryError } from '../core/errors.js';
import { RETRY_AFTER_SECONDS } from './respond.js';

const GRPC_STATUS: Record<number, status> = {
  [status.INVALID_ARGUMENT]: status.INVALID_ARGUMENT,
  [status.RESOURCE_EXHAUSTED]: status.RESOURCE_EXHAUSTED,
  [status.UNAVAILABLE]: status.UNAVAILABLE,
  [status.UNAUTHENTICATED]: status.UNAUTHENTICATED,
  [status.UNIMPLEMENTED]: status.UNIMPLEMENTED,
  [status.INTERNAL]: status.INTERNAL,
};

/** google.rpc.RetryInfo {retry_delay: Duration{seconds}} inside a google.rpc.Status, for the trailer. */
function retryDetails(code: number, message: string, seconds: number): Buffer {
  const duration = Buffer.from([0x08, seconds]);
  const retryInfo = Buffer.concat([Buffer.from([0x0a, duration.length]), duration]);
  const typeUrl = Buffer.from('type.googleapis.com/google.rpc.RetryInfo');
  const any = Buffer.concat([
    Buffer.from([0x0a, typeUrl.length]),
    typeUrl,
    Buffer.from([0x12, retryInfo.length]),
    retryInfo,
  ]);
  const text = Buffer.from(message.slice(0, 100));
  return Buffer.concat([
    Buffer.from([0x08, code]),
    Buffer.from([0x12, text.length]),
    text,
    Buffer.from([0x1a, any.length]),
    any,
  ]);
}

export function grpcStatusOf(error: TributaryError): StatusObject {
  const trailer = new Metadata();
  const retryAfter = RETRY_AFTER_SECONDS[error.code];
  if (retryAfter)
    trailer.set('grpc-status-details-bin', retryDetails(error.grpcStatus, error.message, retryAfter));
  return {
    code: GRPC_STATUS[error.grpcStatus] ?? status.INTERNAL,
    details: error.message,
    metadata: trailer,
  };
}
