/**
 * Reading a Logto instance before the migration: the official Hugging Face connector, whether
 * this connector is installed, whether the official config passes this connector's guard, and
 * the sign-in experience's social buttons.
 *
 * Shapes follow Logto's routes: `GET /api/connectors` and `GET /api/connector-factories`
 * (`packages/core/src/routes/connector/`), `GET /api/sign-in-exp`
 * (`packages/core/src/routes/sign-in-experience/index.ts`).
 */
import { z } from 'zod';

import { describeConfigProblems, huggingFaceConfigGuard } from '../config.js';
import { connectorId as ownFactoryId } from '../constants.js';
import { stripControlCharacters } from '../quote.js';
import { type ManagementApi } from './management-api.js';

/** Factory id of the official connector, `@logto/connector-huggingface`. */
export const officialFactoryId = 'huggingface-universal';

/** This connector's factory id. */
export { ownFactoryId };

/**
 * A name Logto stored that the command prints as is (a connector id, a config key, a social
 * target): one without control characters, which could erase a line or print one of its own.
 */
const printableName = z
  .string()
  .refine((text) => stripControlCharacters(text) === text, 'holds control characters');

const connectorGuard = z.object({
  id: printableName,
  connectorId: z.string(),
  config: z.record(printableName, z.unknown()),
  syncProfile: z.boolean(),
  enableTokenStorage: z.boolean().optional(),
});

/** A connector as `GET /api/connectors` lists it, reduced to what the migration carries over. */
export type ConnectorEntry = z.infer<typeof connectorGuard>;

/** Parses one connector of a Management API answer. */
export const parseConnector = (value: unknown): ConnectorEntry => connectorGuard.parse(value);

const factoryGuard = z.object({ id: z.string() });

/** Parses `GET /api/sign-in-exp` down to the social buttons, in their order. */
export const parseSocialTargets = (value: unknown): string[] =>
  z.object({ socialSignInConnectorTargets: z.array(printableName) }).parse(value)
    .socialSignInConnectorTargets;

/** What the migration will do, or why it cannot. */
export type MigrationPlan =
  | {
      kind: 'ready';
      /** The official connector to replace; its `id` is kept. */
      official: ConnectorEntry;
      /** The social targets of the sign-in experience, in their order, before the migration. */
      socialTargets: string[];
    }
  | { kind: 'done'; connector: ConnectorEntry }
  | { kind: 'blocked'; reason: string; fix: string };

/**
 * Checks a stored config against this connector's guard.
 *
 * @returns One line per problem, `key: message`; empty when the config passes. Messages come
 *   from the guard, which never quotes `clientSecret`.
 */
export const configProblems = (config: Record<string, unknown>): string[] => {
  const result = huggingFaceConfigGuard.safeParse(config);
  return result.success ? [] : describeConfigProblems(result.error);
};

/**
 * Reads the instance and decides what the migration does.
 *
 * @param api - An authenticated Management API client.
 * @returns `ready` with what to carry over, `done` when this connector already serves
 *   Hugging Face, or `blocked` with the reason and what to change.
 */
export const readMigrationPlan = async (api: ManagementApi): Promise<MigrationPlan> => {
  const connectors = z.array(z.unknown()).parse(await api.call('GET', '/api/connectors'));
  const entries = connectors.map((value) => parseConnector(value));
  const own = entries.find((connector) => connector.connectorId === ownFactoryId);
  const official = entries.find((connector) => connector.connectorId === officialFactoryId);

  if (!official) {
    return own
      ? { kind: 'done', connector: own }
      : {
          kind: 'blocked',
          reason: `No connector of the official factory "${officialFactoryId}" exists on this Logto instance.`,
          fix: 'Nothing to migrate: create the Hugging Face connector from this connector in the console instead.',
        };
  }

  const factories = z.array(factoryGuard.passthrough()).parse(await api.call('GET', '/api/connector-factories'));
  if (!factories.some(({ id }) => id === ownFactoryId)) {
    return {
      kind: 'blocked',
      reason: `Logto does not list the factory "${ownFactoryId}": this connector is not installed, or Logto could not load it.`,
      fix: 'Install it with `npx @logto/cli connector add` (see the README), restart Logto, check its log for "load-connector", then run this command again.',
    };
  }

  const problems = configProblems(official.config);
  if (problems.length > 0) {
    return {
      kind: 'blocked',
      reason: `The official connector's config (connector id ${official.id}) does not pass this connector's checks:\n  ${problems.join('\n  ')}`,
      fix: `Correct it in the console (Connectors > Social connectors > Hugging Face) or with PATCH /api/connectors/${official.id}, then run this command again. Nothing was changed.`,
    };
  }

  const socialTargets = parseSocialTargets(await api.call('GET', '/api/sign-in-exp'));
  return { kind: 'ready', official, socialTargets };
};
