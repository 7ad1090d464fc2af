#!/usr/bin/env node
// The `raftkv` binary. Everything testable lives in cli-commands.ts.
import { runCli } from './cli-commands.js';

const serve = async (argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> => {
  const [{ parseServeConfig }, { runServe }] = await Promise.all([import('../server/config.js'), import('../server/serve.js')]);
  await runServe(parseServeConfig(argv, env));
};

const code = await runCli(process.argv.slice(2), process.env, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }, serve);
// `serve` keeps running until a signal; every other command ends here.
if (process.argv[2] !== 'serve' || code !== 0) process.exitCode = code;
