// GET /ui/events: Server-Sent Events carrying the cluster view every PUSH_INTERVAL_MS. One loop
// serves every connected browser and runs only while at least one is connected: an unwatched
// node asks nobody anything.
import type http from 'node:http';
import type { ClusterView, ClusterWatcher } from './dashboard-cluster.js';

export const PUSH_INTERVAL_MS = 400;
/** A browser that stops reading is dropped rather than buffered for. */
const MAX_BUFFERED_BYTES = 1 << 20;

export interface Hello {
  readonly nodeId: string;
  readonly controls: boolean;
  readonly intervalMs: number;
  readonly history: ReturnType<ClusterWatcher['history']>;
  readonly view: ClusterView | null;
}

export class DashboardEvents {
  private readonly clients = new Set<http.ServerResponse>();
  private running = false;
  private last: ClusterView | null = null;

  constructor(
    private readonly server: http.Server,
    private readonly watcher: ClusterWatcher,
    private readonly hello: () => Omit<Hello, 'history' | 'view' | 'intervalMs'>,
    private readonly intervalMs = PUSH_INTERVAL_MS,
  ) {}

  get watchers(): number {
    return this.clients.size;
  }

  attach(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    req.socket.setNoDelay(true);
    const hello: Hello = { ...this.hello(), intervalMs: this.intervalMs, history: this.watcher.history(), view: this.last };
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    if (!this.running) {
      this.running = true;
      void this.round();
    }
  }

  /** Ends every stream, e.g. when the server stops: open streams would hold a graceful stop up. */
  closeAll(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private async round(): Promise<void> {
    if (!this.server.listening) this.closeAll();
    if (this.clients.size === 0) {
      this.running = false;
      this.last = null;
      return;
    }
    const started = Date.now();
    try {
      const view = await this.watcher.sample();
      this.last = view;
      const frame = `event: view\ndata: ${JSON.stringify(view)}\n\n`;
      for (const res of this.clients) {
        if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
        else res.write(frame);
      }
    } catch (err) {
      const frame = `event: problem\ndata: ${JSON.stringify({ message: String(err) })}\n\n`;
      for (const res of this.clients) res.write(frame);
    }
    setTimeout(() => void this.round(), Math.max(50, this.intervalMs - (Date.now() - started))).unref();
  }
}
