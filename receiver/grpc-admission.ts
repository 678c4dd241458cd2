/**
 * Admission for OTLP/gRPC, as a server interceptor: it runs on the call's metadata, before the
 * handler asks for the request message, so a call refused here (bad API key, request rate, full
 * budget) is answered without its message ever being read (grpc-js reads a message only when the
 * handler starts reading). When the message arrives its size joins the call's lease and the byte
 * rate; the lease is released when the call is answered or cancelled. Each call also gets a
 * server-side deadline (receiver.grpcCallTimeoutMs) against clients that trickle their message.
 */
import {
  type ServerInterceptingCallInterface,
  ServerInterceptingCall,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';
import type { Logger } from '../core/log.js';
import type { Admission, Lease } from './admission.js';
import type { Authenticator } from './auth.js';
import { grpcStatusOf } from './grpc-status.js';
import { asTributaryError } from './respond.js';

/** Metadata key carrying the authenticated key id from the interceptor to the handler. */
export const KEY_ID_METADATA = 'x-tributary-key-id';

export interface GrpcAdmissionDeps {
  readonly auth: Authenticator;
  readonly admission: Admission;
  readonly callTimeoutMs: number;
  readonly log: Logger;
}

/** The lease of each admitted request message, for the pipeline to grow while it splits. */
export const leaseOfMessage = new WeakMap<object, Lease>();

export function admissionInterceptor(deps: GrpcAdmissionDeps): ServerInterceptor {
  const { auth, admission, log } = deps;
  return (_method, call: ServerInterceptingCallInterface) => {
    let lease: Lease | undefined;
    let keyId: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let answered = false;
    const finish = (): void => {
      answered = true;
      clearTimeout(timer);
      lease?.release();
    };
    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) => {
        timer = setTimeout(() => {
          intercepted.sendStatus({
            code: status.DEADLINE_EXCEEDED,
            details: `the call took longer than receiver.grpcCallTimeoutMs (${deps.callTimeoutMs} ms)`,
          });
        }, deps.callTimeoutMs);
        timer.unref();
        const refuse = (err: unknown): void =>
          intercepted.sendStatus(grpcStatusOf(asTributaryError(err, log)));
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            try {
              const header = metadata.get('authorization')[0];
              keyId = auth.check(typeof header === 'string' ? header : header?.toString('utf8'));
              lease = admission.admit(keyId);
            } catch (err) {
              refuse(err); // the handler never starts, so the message is never read
              return;
            }
            metadata.remove(KEY_ID_METADATA); // only this interceptor may set it
            if (keyId) metadata.set(KEY_ID_METADATA, keyId);
            nextMetadata(metadata);
          },
          onReceiveMessage: (message: Buffer, nextMessage) => {
            try {
              lease?.grow(message.length);
              admission.takeBytes(keyId, message.length);
            } catch (err) {
              refuse(err);
              return;
            }
            if (lease) leaseOfMessage.set(message, lease);
            nextMessage(message);
          },
          onCancel: finish,
        });
      },
      sendMessage: (message, next) => {
        if (!answered) next(message);
      },
      sendStatus: (statusObject, next) => {
        if (answered) return; // refused or timed out already; the handler's late answer is dropped
        finish();
        next(statusObject);
      },
    });
    return intercepted;
  };
}
