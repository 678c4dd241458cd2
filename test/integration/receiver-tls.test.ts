/**
 * TLS on both receivers, and mutual TLS: clients with a certificate from the configured CA get in,
 * clients without one or with a stranger's are refused in the handshake; plaintext is refused; bad
 * TLS settings stop start-up naming the key.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { test } from 'node:test';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import { TributaryError } from '../../core/errors.js';
import { type TestPki, createTestPki } from '../fixtures/certs.js';
import * as sdk from '../fixtures/otel-sdk.js';
import { readRecords } from '../harness/kafka.js';
import { startTestReceiver } from '../harness/receiver.js';

let pki: TestPki;
test.before(() => {
  pki = createTestPki();
});
test.after(() => rmSync(pki.dir, { recursive: true, force: true }));

/** POST over HTTPS; resolves to the status or to the TLS/connection error's code. */
function httpsPost(
  port: number,
  body: Uint8Array,
  client?: { cert: string; key: string },
): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/logs',
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        ca: readFileSync(pki.caCert),
        ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end(body);
  });
}

function grpcExport(port: number, body: Uint8Array, client?: { cert: string; key: string }): Promise<number> {
  const channel = credentials.createSsl(
    readFileSync(pki.caCert),
    client ? readFileSync(client.key) : null,
    client ? readFileSync(client.cert) : null,
  );
  // Node 26 refuses an IP address as TLS server name (SNI): name the certificate's DNS name instead.
  const grpc = new Client(`127.0.0.1:${port}`, channel, { 'grpc.ssl_target_name_override': 'localhost' });
  return new Promise((resolve) => {
    grpc.makeUnaryRequest(
      '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      new Metadata(),
      { deadline: Date.now() + 5_000 },
      (err) => {
        grpc.close();
        resolve(err ? err.code : 0);
      },
    );
  });
}

test('TLS: HTTPS and gRPC over TLS accepted, plaintext HTTP refused', async (t) => {
  const receiver = await startTestReceiver({
    'receiver.tlsCertFile': pki.serverCert,
    'receiver.tlsKeyFile': pki.serverKey,
  });
  t.after(() => receiver.stop());
  const body = sdk.logsProtobuf();
  assert.equal(await httpsPost(receiver.httpPort, body), 200);
  assert.equal(await grpcExport(receiver.grpcPort, body), 0);
  const plaintext = await fetch(`http://127.0.0.1:${receiver.httpPort}/v1/logs`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-protobuf' },
  }).then(
    (r) => r.status,
    () => 'refused',
  );
  assert.notEqual(plaintext, 200, 'plaintext is not served on the TLS port');
  const records = await readRecords(receiver.topics.logs, 2);
  for (const record of records) assert.deepEqual(new Uint8Array(record.value), body);
});

test('mutual TLS: only clients with a certificate from the configured CA get in', async (t) => {
  const receiver = await startTestReceiver({
    'receiver.tlsCertFile': pki.serverCert,
    'receiver.tlsKeyFile': pki.serverKey,
    'receiver.tlsClientCaFile': pki.caCert,
  });
  t.after(() => receiver.stop());
  const body = sdk.logsProtobuf();
  const client = { cert: pki.clientCert, key: pki.clientKey };
  const stranger = { cert: pki.strangerCert, key: pki.strangerKey };
  assert.equal(await httpsPost(receiver.httpPort, body, client), 200);
  assert.equal(await grpcExport(receiver.grpcPort, body, client), 0);
  assert.equal(typeof (await httpsPost(receiver.httpPort, body)), 'string', 'no certificate: refused');
  assert.equal(typeof (await httpsPost(receiver.httpPort, body, stranger)), 'string', 'foreign CA: refused');
  assert.notEqual(await grpcExport(receiver.grpcPort, body), 0, 'gRPC without a certificate: refused');
  assert.notEqual(await grpcExport(receiver.grpcPort, body, stranger), 0, 'gRPC, foreign CA: refused');
  assert.equal((await readRecords(receiver.topics.logs, 2)).length, 2);
});

test('bad TLS settings stop start-up naming the key', async () => {
  const refused = async (overrides: Record<string, string>, pattern: RegExp): Promise<void> => {
    await assert.rejects(
      startTestReceiver(overrides),
      (err: unknown) =>
        err instanceof TributaryError && err.code === 'CONFIG_INVALID' && pattern.test(err.message),
    );
  };
  await refused({ 'receiver.tlsCertFile': pki.serverCert }, /receiver\.tlsKeyFile/);
  await refused({ 'receiver.tlsClientCaFile': pki.caCert }, /receiver\.tlsClientCaFile.*tlsCertFile/);
  await refused(
    { 'receiver.tlsCertFile': '/nonexistent/server.crt', 'receiver.tlsKeyFile': pki.serverKey },
    /receiver\.tlsCertFile: cannot read \/nonexistent\/server\.crt/,
  );
  await refused(
    { 'receiver.tlsCertFile': pki.dir + '/server.ext', 'receiver.tlsKeyFile': pki.serverKey },
    /not a PEM file/,
  );
});
