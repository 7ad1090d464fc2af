// Reads our Dockerfile and replays it without a container engine: each stage gets a
// directory standing for its WORKDIR, COPY copies from the build context (or from an
// earlier stage with --from), RUN runs the npm steps there with the stage's ENV, and the
// final CMD is the command that starts the node. Steps that change the image's system
// (mkdir /data, chown) are reported as skipped: they have no meaning outside an image.
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string;
  readonly base: string;
  readonly instructions: Instruction[];
  readonly env: Map<string, string>;
  workdir: string;
}

export interface Dockerfile {
  readonly stages: Stage[];
}

export function parseDockerfile(source: string): Dockerfile {
  const stages: Stage[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i]!.trim();
    if (text === '' || text.startsWith('#')) continue;
    while (text.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i]!.trim();
      if (next.startsWith('#')) continue;
      text = `${text.slice(0, -1).trimEnd()} ${next}`;
    }
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(text);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read "${text}"`);
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`Dockerfile line ${start + 1}: FROM ${args}`);
      stages.push({ name: f[2] ?? String(stages.length), base: f[1]!, instructions: [], env: new Map(), workdir: '/' });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${start + 1}: ${op} before FROM`);
    stage.instructions.push({ op, args, line: start + 1 });
    if (op === 'ENV') {
      const kv = /^(\S+?)(?:=|\s+)(.*)$/.exec(args);
      if (kv) stage.env.set(kv[1]!, kv[2]!.replace(/^"(.*)"$/, '$1'));
    }
    if (op === 'WORKDIR') stage.workdir = args;
  }
  return { stages };
}

export interface ReplayStep {
  readonly stage: string;
  readonly what: string;
  readonly skipped?: string;
}

export interface Replay {
  /** Directory standing for each stage's WORKDIR. */
  readonly dirs: Map<string, string>;
  readonly steps: ReplayStep[];
  /** The last stage's CMD (exec form), its directory and environment. */
  readonly cmd: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
}

/**
 * Replays the stages into `root/<stage>`. `runCommand` runs one RUN step (sh -c semantics)
 * in a directory with the stage's environment and throws when it fails.
 */
export function replayDockerfile(df: Dockerfile, context: string, root: string, runCommand: (cmd: string, cwd: string, env: Record<string, string>) => void): Replay {
  const dirs = new Map<string, string>();
  const steps: ReplayStep[] = [];
  let last: { cmd: string[]; cwd: string; env: Record<string, string> } | null = null;
  for (const stage of df.stages) {
    const dir = join(root, stage.name);
    mkdirSync(dir, { recursive: true });
    dirs.set(stage.name, dir);
    const env: Record<string, string> = {};
    let cmd: string[] | null = null;
    for (const ins of stage.instructions) {
      switch (ins.op) {
        case 'ENV': {
          const kv = /^(\S+?)(?:=|\s+)(.*)$/.exec(ins.args)!;
          env[kv[1]!] = kv[2]!.replace(/^"(.*)"$/, '$1');
          break;
        }
        case 'COPY': {
          const parts = ins.args.split(/\s+/);
          const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
          const paths = parts.filter((p) => !p.startsWith('--'));
          const dest = paths.pop()!;
          const srcRoot = from ? dirs.get(from) : context;
          if (!srcRoot) throw new Error(`Dockerfile line ${ins.line}: no stage ${from}`);
          for (const src of paths) {
            // Sources from another stage are absolute paths inside it; ours all live under its WORKDIR (/app).
            const rel = from ? src.replace(/^\/app\/?/, '') : src;
            const target = dest.endsWith('/') ? join(dir, dest, rel.split('/').pop()!) : join(dir, dest);
            cpSync(join(srcRoot, rel), target, { recursive: true });
          }
          steps.push({ stage: stage.name, what: `COPY ${ins.args}` });
          break;
        }
        case 'RUN':
          if (/^npm\s/.test(ins.args)) {
            runCommand(ins.args, dir, env);
            steps.push({ stage: stage.name, what: `RUN ${ins.args}` });
          } else {
            steps.push({ stage: stage.name, what: `RUN ${ins.args}`, skipped: 'changes the image system, not the app' });
          }
          break;
        case 'CMD':
          cmd = JSON.parse(ins.args) as string[];
          break;
        default:
          break;
      }
    }
    if (cmd) last = { cmd, cwd: dir, env };
  }
  if (!last) throw new Error('Dockerfile has no CMD');
  return { dirs, steps, ...last };
}
