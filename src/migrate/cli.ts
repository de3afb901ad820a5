/**
 * `connector-huggingface migrate`: moves a Logto instance from the official Hugging Face
 * connector to this one through the Management API, keeping the connector id, and with it the
 * callback URL and every linked user.
 */
import { parseArgs } from 'node:util';

import { stripControlCharacters } from '../quote.js';
import { createRedactor } from '../redaction.js';
import { type ManagementApi, createManagementApi, defaultManagementApiResource } from './management-api.js';
import { runMigration } from './migrate.js';
import { type ConnectorEntry, officialFactoryId, ownFactoryId, readMigrationPlan } from './plan.js';

/** Where the command writes: progress and results to `out`, failures to `err`. */
export type CliOutput = { out: (line: string) => void; err: (line: string) => void };

/** Exit status: 0 done (or nothing to do, or a dry run), 1 not migrated, 2 bad usage. */
export type ExitCode = 0 | 1 | 2;

/** Environment variables read when the matching option is absent. */
export const environmentVariables = Object.freeze({
  endpoint: 'LOGTO_ENDPOINT',
  m2mId: 'LOGTO_M2M_APP_ID',
  m2mSecret: 'LOGTO_M2M_APP_SECRET',
  tokenEndpoint: 'LOGTO_TOKEN_ENDPOINT',
  resource: 'LOGTO_MANAGEMENT_API_RESOURCE',
});

const usage = `Usage: connector-huggingface migrate [options]

Replaces Logto's official Hugging Face connector (${officialFactoryId}) with this one
(${ownFactoryId}) under the same connector id, so the callback URL registered at Hugging Face
and every linked user keep working. Install this connector and restart Logto first.

Options (each also read from the environment variable shown):
  --endpoint URL         Logto's endpoint, e.g. https://auth.example.com   (${environmentVariables.endpoint})
  --m2m-id ID            a machine-to-machine app with Management API access (${environmentVariables.m2mId})
  --m2m-secret SECRET    its secret; prefer the variable, a command line is visible to others
                                                                           (${environmentVariables.m2mSecret})
  --token-endpoint URL   default \${endpoint}/oidc/token                   (${environmentVariables.tokenEndpoint})
  --resource URI         default ${defaultManagementApiResource}        (${environmentVariables.resource})
  --dry-run              show what would change, change nothing
  --help                 this text`;

type Settings = {
  endpoint: string;
  m2mId: string;
  m2mSecret: string;
  tokenEndpoint?: string;
  resource?: string;
  dryRun: boolean;
};

const isHttpUrl = (value: string) =>
  URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);

/** Reads options and environment; returns a problem sentence when they do not add up. */
const readSettings = (
  argv: string[],
  env: Record<string, string | undefined>
): Settings | { problem: string } | 'help' => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        endpoint: { type: 'string' },
        'm2m-id': { type: 'string' },
        'm2m-secret': { type: 'string' },
        'token-endpoint': { type: 'string' },
        resource: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    // parseArgs names the unknown option, never a value.
    return { problem: error instanceof Error ? error.message : 'Bad options.' };
  }
  if (values.help) {
    return 'help';
  }
  const pick = (option: string | undefined, variable: string) => option ?? (env[variable] || undefined);
  const endpoint = pick(values.endpoint, environmentVariables.endpoint);
  const m2mId = pick(values['m2m-id'], environmentVariables.m2mId);
  const m2mSecret = pick(values['m2m-secret'], environmentVariables.m2mSecret);
  const tokenEndpoint = pick(values['token-endpoint'], environmentVariables.tokenEndpoint);
  const resource = pick(values.resource, environmentVariables.resource);
  const missing = [
    endpoint ? undefined : `--endpoint (or ${environmentVariables.endpoint})`,
    m2mId ? undefined : `--m2m-id (or ${environmentVariables.m2mId})`,
    m2mSecret ? undefined : `--m2m-secret (or ${environmentVariables.m2mSecret})`,
  ].filter(Boolean);
  if (!endpoint || !m2mId || !m2mSecret) {
    return { problem: `Missing ${missing.join(', ')}.` };
  }
  for (const [name, value] of [
    ['--endpoint', endpoint],
    ['--token-endpoint', tokenEndpoint],
  ] as const) {
    if (value !== undefined && !isHttpUrl(value)) {
      return { problem: `${name} must be an http(s) URL, e.g. https://auth.example.com.` };
    }
  }
  return { endpoint, m2mId, m2mSecret, tokenEndpoint, resource, dryRun: values['dry-run'] };
};

const describeConfig = (config: Record<string, unknown>) =>
  Object.entries(config)
    .map(([key, value]) =>
      key === 'clientSecret' ? `${key}=(hidden)` : `${key}=${JSON.stringify(value)}`
    )
    .join(', ');

const planLines = (endpoint: string, official: ConnectorEntry, socialTargets: string[]) => [
  `Official connector: id ${official.id}, callback URL ${endpoint.replace(/\/+$/, '')}/callback/${official.id}`,
  `  config: ${describeConfig(official.config)}`,
  `  syncProfile: ${official.syncProfile}, enableTokenStorage: ${official.enableTokenStorage ?? false}`,
  `  social buttons of the sign-in experience: ${socialTargets.join(', ') || '(none)'}`,
  'Plan:',
  `  1. DELETE /api/connectors/${official.id} (Logto then drops "huggingface" from the social buttons)`,
  `  2. POST /api/connectors with id ${official.id}, connectorId ${ownFactoryId} and the same config, syncProfile and enableTokenStorage`,
  socialTargets.includes('huggingface')
    ? '  3. put "huggingface" back among the social buttons, at its place'
    : '  3. leave the social buttons as they are ("huggingface" is not among them)',
  'Hugging Face sign-in is unavailable between steps 1 and 3.',
];

/**
 * Runs the command.
 *
 * @param argv - Arguments after the program name, starting with `migrate`.
 * @param env - The environment (credentials may come from there).
 * @param output - Where lines go; no line ever holds the client secret or the M2M secret.
 * @param createApi - Builds the Management API client (tests may wrap it).
 */
export const runCli = async (
  argv: string[],
  env: Record<string, string | undefined>,
  output: CliOutput,
  createApi: typeof createManagementApi = createManagementApi
): Promise<ExitCode> => {
  const [command, ...rest] = argv;
  if (command === '--help' || command === 'help') {
    output.out(usage);
    return 0;
  }
  if (command !== 'migrate') {
    output.err(`${command === undefined ? 'No command given' : `Unknown command "${command}"`}.\n\n${usage}`);
    return 2;
  }
  const settings = readSettings(rest, env);
  if (settings === 'help') {
    output.out(usage);
    return 0;
  }
  if ('problem' in settings) {
    output.err(`${settings.problem}\n\n${usage}`);
    return 2;
  }

  const redactor = createRedactor(settings.m2mSecret);
  // Lines may quote what Logto stored (ids, config values): no control character reaches the
  // terminal, and only the line breaks of this command's own messages separate lines.
  const safe =
    (write: (line: string) => void) =>
    (text: string) =>
      write(
        redactor
          .redact(text)
          .split('\n')
          .map((line) => stripControlCharacters(line))
          .join('\n')
      );
  const out = safe(output.out);
  const err = safe(output.err);

  const api: ManagementApi = createApi({
    endpoint: settings.endpoint,
    tokenEndpoint: settings.tokenEndpoint,
    resource: settings.resource,
    appId: settings.m2mId,
    appSecret: settings.m2mSecret,
  });

  let plan;
  try {
    plan = await readMigrationPlan(api);
  } catch (error) {
    err(`Could not read the Logto instance, nothing was changed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (plan.kind === 'done') {
    out(`Nothing to do: connector ${plan.connector.id} already uses ${ownFactoryId}.`);
    return 0;
  }
  if (plan.kind === 'blocked') {
    err(`${plan.reason}\n${plan.fix}`);
    return 1;
  }
  const secret = plan.official.config.clientSecret;
  if (typeof secret === 'string') {
    redactor.hide(secret);
  }
  for (const line of planLines(settings.endpoint, plan.official, plan.socialTargets)) {
    out(line);
  }
  if (settings.dryRun) {
    out('Dry run: nothing was changed.');
    return 0;
  }

  const outcome = await runMigration(api, plan.official, plan.socialTargets, out);
  switch (outcome.kind) {
    case 'migrated': {
      out(
        `Done: Hugging Face sign-in now runs through ${ownFactoryId} under connector id ${plan.official.id}; no connector for ${outcome.connectorGapMs} ms${outcome.restoredButton ? `, no button for ${outcome.buttonGapMs} ms` : ''}.`
      );
      return 0;
    }
    case 'rolled-back': {
      err(
        `Not migrated: creating ${ownFactoryId} failed (${outcome.failure}). The official connector is back under ${plan.official.id} with its config; sign-in works as before.`
      );
      return 1;
    }
    case 'failed': {
      err(outcome.failure);
      return 1;
    }
  }
};
