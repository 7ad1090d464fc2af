// A small command-line flag reader shared by `raftkv serve` and the client commands:
// `--name value`, `--name=value`, boolean `--name`, and `--` ending the flags.

/** The command line is wrong; the CLI exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagKind = 'string' | 'boolean';

export interface ParsedArgs {
  readonly flags: Map<string, string | true>;
  readonly positional: string[];
}

/** `spec` maps a flag name (without dashes) to its kind; `aliases` maps short names (`w`) to names. */
export function parseArgs(argv: readonly string[], spec: Readonly<Record<string, FlagKind>>, aliases: Readonly<Record<string, string>> = {}): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const text = arg.replace(/^--?/, '');
    const eq = text.indexOf('=');
    const rawName = eq === -1 ? text : text.slice(0, eq);
    const name = aliases[rawName] ?? rawName;
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown flag ${arg.startsWith('--') ? '--' : '-'}${rawName}`);
    if (flags.has(name)) throw new UsageError(`flag --${name} is given more than once`);
    if (kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`flag --${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    if (eq !== -1) {
      flags.set(name, text.slice(eq + 1));
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    flags.set(name, value);
    i++;
  }
  return { flags, positional };
}
