// HTTP request counters and latency histograms, in prom-client's default registry next to
// the node's own Raft metrics. Created once per process: tests start many servers.
import client from 'prom-client';

const LABELS = ['method', 'route', 'status'] as const;

function counter(): client.Counter<(typeof LABELS)[number]> {
  const name = 'raftkv_http_requests_total';
  const existing = client.register.getSingleMetric(name);
  if (existing) return existing as client.Counter<(typeof LABELS)[number]>;
  return new client.Counter({ name, help: 'HTTP requests answered, by method, route and status', labelNames: LABELS });
}

function histogram(): client.Histogram<(typeof LABELS)[number]> {
  const name = 'raftkv_http_request_duration_seconds';
  const existing = client.register.getSingleMetric(name);
  if (existing) return existing as client.Histogram<(typeof LABELS)[number]>;
  return new client.Histogram({
    name,
    help: 'Time from request arrival to the end of the response, by method, route and status',
    labelNames: LABELS,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
}

export class HttpMetrics {
  private readonly requests = counter();
  private readonly latency = histogram();

  observe(method: string, route: string, status: number, startedNs: bigint): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, Number(process.hrtime.bigint() - startedNs) / 1e9);
  }

  contentType(): string {
    return client.register.contentType;
  }

  render(): Promise<string> {
    return client.register.metrics();
  }
}
