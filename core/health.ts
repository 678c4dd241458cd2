/**
 * Liveness and readiness over HTTP: GET / and /health answer 200 while the process runs; GET /ready
 * answers 200 only while the readiness check passes (e.g. Kafka reachable), 503 with the reason
 * otherwise, so load balancers and Kubernetes stop sending traffic to an instance that cannot serve.
 */
import { createServer } from 'node:http';
import { type SmallServer, listen } from './metrics.js';

export type ReadinessCheck = () => { ready: boolean; reason: string };

export function serveHealth(port: number, host: string, readiness: ReadinessCheck): Promise<SmallServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/health' || path === '/live') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/ready') {
      const { ready, reason } = readiness();
      res
        .writeHead(ready ? 200 : 503, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ ready, reason }));
    } else {
      res.writeHead(404).end();
    }
  });
  return listen(server, port, host);
}
