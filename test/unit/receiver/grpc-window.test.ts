/**
 * The OTLP/gRPC server's HTTP/2 receive windows come from receiver.grpcFlowControlWindowBytes, per
 * call (the SETTINGS frame) and per connection (a WINDOW_UPDATE at session start). grpc-js reads the
 * option on its client only; patches/@grpc+grpc-js+1.14.7.patch makes its server honour it, and this
 * test fails if that patch is lost (both windows would be HTTP/2's 64 KiB default).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { test } from 'node:test';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { loadConfig } from '../../../core/config/load.js';
import { grpcServerOptions } from '../../../receiver/grpc.js';

const HTTP2_DEFAULT_WINDOW = 65_535;

async function windowsSeenByAClient(windowBytes?: number): Promise<{ stream: number; connection: number }> {
  const env =
    windowBytes === undefined
      ? {}
      : { TRIBUTARY_RECEIVER_GRPC_FLOW_CONTROL_WINDOW_BYTES: String(windowBytes) };
  const { config } = loadConfig({ env });
  const server = new Server(grpcServerOptions(config));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    // The connection's WINDOW_UPDATE follows the SETTINGS frame; a ping's answer comes after both.
    await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
    return {
      stream: session.remoteSettings.initialWindowSize ?? HTTP2_DEFAULT_WINDOW,
      connection: session.state.remoteWindowSize ?? HTTP2_DEFAULT_WINDOW,
    };
  } finally {
    session.destroy();
    server.forceShutdown();
  }
}

test('the default window lets a client send 4 MiB per call and per connection without waiting', async () => {
  const windows = await windowsSeenByAClient();
  assert.deepEqual(windows, { stream: 4 * 1024 * 1024, connection: 4 * 1024 * 1024 });
});

test('the window follows the setting', async () => {
  const windows = await windowsSeenByAClient(1024 * 1024);
  assert.deepEqual(windows, { stream: 1024 * 1024, connection: 1024 * 1024 });
});

test('a window below the HTTP/2 default is refused with the setting named', () => {
  assert.throws(
    () => loadConfig({ env: { TRIBUTARY_RECEIVER_GRPC_FLOW_CONTROL_WINDOW_BYTES: '1000' } }),
    /receiver\.grpcFlowControlWindowBytes|RECEIVER_GRPC_FLOW_CONTROL_WINDOW_BYTES/,
  );
});
