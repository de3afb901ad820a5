#!/usr/bin/env node
/**
 * The package's command, `connector-huggingface`: see `runCli` for what it does.
 */
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
