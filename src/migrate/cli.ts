/**
 * `connector-huggingface migrate`: moves a Logto instance from the official Hugging Face
 * connector to this one through the Management API, keeping the connector id, and with it the
 * callback URL and every linked user.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { usesHttpsOrLoopback } from '../config.js';
import { minClientSecretLength } from '../constants.js';
import { quoteInput, stripControlCharacters } from '../quote.js';
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

const command = 'connector-huggingface';
const synopsis = `Usage: ${command} migrate [options]`;

/** Each option beside its description, wrapped by hand so that no line passes 80 columns. */
const options: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['--endpoint URL', ["Logto's endpoint, e.g. https://auth.example.com", `(${environmentVariables.endpoint}); http only for a loopback host`]],
  ['--m2m-id ID', ['a machine-to-machine app with Management API access', `(${environmentVariables.m2mId})`]],
  [
    '--m2m-secret SECRET',
    [`its app secret (${environmentVariables.m2mSecret}); prefer the`, 'variable: a command line is visible to other users'],
  ],
  ['--token-endpoint URL', [`default \${endpoint}/oidc/token (${environmentVariables.tokenEndpoint})`]],
  ['--resource URI', [`default ${defaultManagementApiResource}`, `(${environmentVariables.resource})`]],
  ['--dry-run', ['show what would change, change nothing']],
  ['--version', ["print this command's version"]],
  ['--help', ['print this text']],
];

/** Two spaces, the widest option, two spaces: where every description starts. */
const descriptionColumn = 2 + Math.max(...options.map(([name]) => name.length)) + 2;

const optionTable = options.flatMap(([name, description]) =>
  description.map((line, index) => (index === 0 ? `  ${name}` : '').padEnd(descriptionColumn) + line)
);

const usage = [
  synopsis,
  '',
  `Replaces Logto's official Hugging Face connector (${officialFactoryId}) with`,
  `this one (${ownFactoryId}) under the same connector id, so the`,
  'callback URL registered at Hugging Face and every linked user keep working.',
  'Install this connector and restart Logto first.',
  '',
  'Options (each also read from the environment variable in parentheses):',
  ...optionTable,
].join('\n');

/** A usage error: the problem, the synopsis and where to read more. */
const usageError = (problem: string) => `${problem}\n${synopsis}\nRun \`${command} --help\` for the options.`;

/** This package's version, from the package.json beside `lib/` (or `src/`), read when asked. */
const packageVersion = (): string => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
};

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

/** What the command line asks for: a migration, the help, the version, or something it cannot do. */
type CommandLine =
  | Settings
  | 'help'
  | 'version'
  /** Options that do not add up: the problem, then a pointer to the help. */
  | { usageProblem: string }
  /** A value the command will not use: one line saying why and what to do. */
  | { refusal: string };

/** Reads options and environment; refuses what would expose the credentials. */
const readSettings = (argv: string[], env: Record<string, string | undefined>): CommandLine => {
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
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    // parseArgs names the unknown option, never a value.
    return { usageProblem: error instanceof Error ? error.message : 'Bad options.' };
  }
  if (values.help) {
    return 'help';
  }
  if (values.version) {
    return 'version';
  }
  /** A setting and the name it came under: the option's, or the variable's. */
  const pick = (given: string | undefined, option: string, variable: string) =>
    given === undefined ? { value: env[variable] || undefined, source: variable } : { value: given, source: option };
  const endpoint = pick(values.endpoint, '--endpoint', environmentVariables.endpoint);
  const m2mId = pick(values['m2m-id'], '--m2m-id', environmentVariables.m2mId);
  const m2mSecret = pick(values['m2m-secret'], '--m2m-secret', environmentVariables.m2mSecret);
  const tokenEndpoint = pick(values['token-endpoint'], '--token-endpoint', environmentVariables.tokenEndpoint);
  const resource = pick(values.resource, '--resource', environmentVariables.resource);
  const missing = [
    endpoint.value ? undefined : `--endpoint (or ${environmentVariables.endpoint})`,
    m2mId.value ? undefined : `--m2m-id (or ${environmentVariables.m2mId})`,
    m2mSecret.value ? undefined : `--m2m-secret (or ${environmentVariables.m2mSecret})`,
  ].filter(Boolean);
  if (!endpoint.value || !m2mId.value || !m2mSecret.value) {
    return { usageProblem: `Missing ${missing.join(', ')}.` };
  }
  // Each URL receives the credentials (the token endpoint, by default below the endpoint) or the
  // token: checked before anything is sent, since a redirect to https could not take them back.
  for (const { value, source } of [endpoint, tokenEndpoint]) {
    if (value === undefined) {
      continue;
    }
    if (!isHttpUrl(value)) {
      return { refusal: `${source} must be an http(s) URL, e.g. https://auth.example.com.` };
    }
    if (!usesHttpsOrLoopback(new URL(value))) {
      return {
        refusal: `${source} must use https: the machine-to-machine credentials or token go there (plain http is allowed only for a loopback host: localhost, 127.0.0.1, [::1]).`,
      };
    }
  }
  // A secret this short is a mistake, and every message would lose each of its occurrences.
  if (m2mSecret.value.length < minClientSecretLength) {
    return {
      refusal: `${m2mSecret.source} is shorter than ${minClientSecretLength} characters, too short to be an app secret (Logto's are 32): copy the whole secret of the machine-to-machine app from Logto's console.`,
    };
  }
  return {
    endpoint: endpoint.value,
    m2mId: m2mId.value,
    m2mSecret: m2mSecret.value,
    tokenEndpoint: tokenEndpoint.value,
    resource: resource.value,
    dryRun: values['dry-run'],
  };
};

/** Reads the command, then its options. */
const readCommandLine = (argv: string[], env: Record<string, string | undefined>): CommandLine => {
  const [name, ...rest] = argv;
  switch (name) {
    case 'migrate': {
      return readSettings(rest, env);
    }
    case '--help':
    case 'help': {
      return 'help';
    }
    case '--version': {
      return 'version';
    }
    case undefined: {
      return { usageProblem: 'No command given.' };
    }
    default: {
      return { usageProblem: `Unknown command ${quoteInput(name)}.` };
    }
  }
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
  const settings = readCommandLine(argv, env);
  if (settings === 'help') {
    output.out(usage);
    return 0;
  }
  if (settings === 'version') {
    output.out(packageVersion());
    return 0;
  }
  if ('usageProblem' in settings) {
    output.err(usageError(settings.usageProblem));
    return 2;
  }
  if ('refusal' in settings) {
    output.err(settings.refusal);
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
    api.hide(secret);
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
