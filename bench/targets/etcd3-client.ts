// etcd through the `etcd3` npm client, the way a Node user talks to etcd. The package is optional:
// it is loaded at run time, and the bench skips etcd when it is missing.
import { RequestFailedError, type KvTarget, type TargetSpec } from './target.js';

// The few parts of etcd3's API used here (etcd3 1.1.x).
interface Etcd3Client {
  put(key: string): { value(value: string): PromiseLike<unknown> };
  get(key: string): { serializable(on: boolean): { string(): Promise<string | null> } };
  close(): void;
}
interface Etcd3Module {
  Etcd3: new (options: { hosts: string[]; dialTimeout?: number }) => Etcd3Client;
}

export async function loadEtcd3(): Promise<Etcd3Module | undefined> {
  const specifier: string = 'etcd3';
  try {
    const mod = (await import(specifier)) as Partial<Etcd3Module> & { default?: Partial<Etcd3Module> };
    const Etcd3 = mod.Etcd3 ?? mod.default?.Etcd3;
    return Etcd3 ? { Etcd3 } : undefined;
  } catch {
    return undefined;
  }
}

export class Etcd3Target implements KvTarget {
  private readonly client: Etcd3Client;

  constructor(mod: Etcd3Module, private readonly spec: TargetSpec) {
    this.client = new mod.Etcd3({ hosts: spec.endpoints.map((e) => `http://${e}`), dialTimeout: spec.requestTimeoutMs });
  }

  async put(key: string, value: string): Promise<void> {
    await this.withTimeout(Promise.resolve(this.client.put(key).value(value)));
  }

  async get(key: string, serializable: boolean): Promise<string | null> {
    return this.withTimeout(this.client.get(key).serializable(serializable).string());
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private withTimeout<T>(op: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestFailedError('timeout', `no answer within ${this.spec.requestTimeoutMs} ms`)), this.spec.requestTimeoutMs);
    });
    return Promise.race([op, timeout]).finally(() => clearTimeout(timer));
  }
}
