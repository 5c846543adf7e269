// Prometheus metrics for one RPC server (each server, even several in one process, has its
// own registry, served at GET /metrics on its own port).
import client from 'prom-client';

export interface RequestObserver {
  (method: string, status: string, seconds: number, bytesIn: number, bytesOut: number): void;
}

export class RpcMetrics {
  readonly registry = new client.Registry();
  readonly requests: client.Counter<'method' | 'status'>;
  readonly latency: client.Histogram<'method'>;
  readonly bytesIn: client.Counter;
  readonly bytesOut: client.Counter;
  readonly connections: client.Gauge;

  constructor(readonly prefix: 'dfs_master' | 'dfs_storage') {
    const registers = [this.registry];
    this.requests = new client.Counter({
      name: `${prefix}_requests_total`,
      help: 'RPC requests served, by method and status (OK or an errno)',
      labelNames: ['method', 'status'],
      registers,
    });
    this.latency = new client.Histogram({
      name: `${prefix}_request_duration_seconds`,
      help: 'RPC handling time by method',
      labelNames: ['method'],
      registers,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    });
    this.bytesIn = new client.Counter({ name: `${prefix}_received_bytes_total`, help: 'Payload bytes received in requests', registers });
    this.bytesOut = new client.Counter({ name: `${prefix}_sent_bytes_total`, help: 'Payload bytes sent in replies', registers });
    this.connections = new client.Gauge({ name: `${prefix}_connections`, help: 'Open WebSocket connections', registers });
    // prom-client's own names already say what they are (process_cpu_seconds_total,
    // nodejs_heap_size_used_bytes): the server's prefix alone, or they double up
    client.collectDefaultMetrics({ register: this.registry, prefix: `${prefix}_` });
  }

  gauge(name: string, help: string, collect: () => number): client.Gauge {
    return new client.Gauge({
      name: `${this.prefix}_${name}`,
      help,
      registers: [this.registry],
      collect() {
        this.set(collect());
      },
    });
  }

  histogram(name: string, help: string, buckets: number[]): client.Histogram {
    return new client.Histogram({ name: `${this.prefix}_${name}`, help, buckets, registers: [this.registry] });
  }

  readonly observe: RequestObserver = (method, status, seconds, bytesIn, bytesOut) => {
    this.requests.inc({ method, status });
    this.latency.observe({ method }, seconds);
    if (bytesIn) this.bytesIn.inc(bytesIn);
    if (bytesOut) this.bytesOut.inc(bytesOut);
  };

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
