/** The OTLP .proto files of this folder, loaded once with protobufjs (JSON conversion, tooling, tests). */
import protobuf from 'protobufjs';
import { fromRoot } from '../../core/paths.js';
import type { Signal } from './shapes.js';

const PROTO_DIR = fromRoot('schemas', 'otlp');

const SERVICE_FILES: Record<Signal, string> = {
  traces: 'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  metrics: 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  logs: 'opentelemetry/proto/collector/logs/v1/logs_service.proto',
};

const MESSAGE_PREFIX: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTrace',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetrics',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogs',
};

let root: protobuf.Root | undefined;

export function otlpRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    r.resolvePath = (_origin, target) => `${PROTO_DIR}/${target}`;
    r.loadSync(Object.values(SERVICE_FILES), { keepCase: false });
    r.resolveAll();
    root = r;
  }
  return root;
}

export function requestType(signal: Signal): protobuf.Type {
  return otlpRoot().lookupType(`${MESSAGE_PREFIX[signal]}ServiceRequest`);
}

export function responseType(signal: Signal): protobuf.Type {
  return otlpRoot().lookupType(`${MESSAGE_PREFIX[signal]}ServiceResponse`);
}
