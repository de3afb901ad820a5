/**
 * Replacing the official Hugging Face connector with this one under the same connector id.
 *
 * Logto refuses two social connectors with the same target and platform (422
 * `connector.multiple_target_with_same_platform`), so the official one is deleted first and this
 * one created right after with the same `id`, config, `syncProfile` and `enableTokenStorage`. The
 * callback URL (`${endpoint}/callback/${id}`) stays the same and users' identities (keyed by the
 * target `huggingface`, not by connector) stay linked. Deleting a social connector makes Logto
 * drop its target from the sign-in experience; it is put back at its place.
 *
 * Every failure after the delete ends with a working Hugging Face connector: if the create
 * fails, the official one is created again as it was.
 */
import { connectorTarget } from '../constants.js';
import { type ManagementApi, ManagementApiError } from './management-api.js';
import { type ConnectorEntry, officialFactoryId, ownFactoryId, parseConnector, parseSocialTargets } from './plan.js';

/** How the migration ended. */
export type MigrationOutcome =
  | {
      kind: 'migrated';
      /** Milliseconds between the delete's answer and the create's answer: no Hugging Face connector. */
      connectorGapMs: number;
      /** Milliseconds between the delete's answer and the button's return (equals the connector gap when nothing had to be put back). */
      buttonGapMs: number;
      /** Whether `huggingface` had to be put back into the sign-in experience. */
      restoredButton: boolean;
    }
  | {
      kind: 'rolled-back';
      /** Why this connector could not be created. */
      failure: string;
    }
  | {
      kind: 'failed';
      /** What went wrong, and what state the instance is in. */
      failure: string;
    };

/** Progress lines, printed as they happen. */
export type MigrationLog = (line: string) => void;

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

const createBody = (entry: ConnectorEntry, factoryId: string) => ({
  id: entry.id,
  connectorId: factoryId,
  config: entry.config,
  syncProfile: entry.syncProfile,
  enableTokenStorage: entry.enableTokenStorage ?? false,
});

/** After a create failed: reads which connector, if any, now holds the id (a lost answer may hide a success). */
const findConnector = async (api: ManagementApi, id: string) => {
  try {
    return parseConnector(await api.call('GET', `/api/connectors/${encodeURIComponent(id)}`));
  } catch (error) {
    if (error instanceof ManagementApiError && error.status === 404) {
      return undefined;
    }
    throw error;
  }
};

/**
 * Puts `huggingface` back among the sign-in experience's social buttons, at its former place,
 * if Logto dropped it.
 *
 * @returns Whether it had to be put back.
 */
const restoreButton = async (api: ManagementApi, before: string[]) => {
  if (!before.includes(connectorTarget)) {
    return false;
  }
  const now = parseSocialTargets(await api.call('GET', '/api/sign-in-exp'));
  if (now.includes(connectorTarget)) {
    return false;
  }
  // Former order; a button added in the meantime goes last.
  const targets = before.filter((target) => target === connectorTarget || now.includes(target));
  targets.push(...now.filter((target) => !targets.includes(target)));
  await api.call('PATCH', '/api/sign-in-exp', { socialSignInConnectorTargets: targets });
  return true;
};

/**
 * Runs the migration the plan describes.
 *
 * @param api - An authenticated Management API client.
 * @param official - The official connector read by `readMigrationPlan`.
 * @param socialTargets - The sign-in experience's social targets read by `readMigrationPlan`.
 * @param log - Receives one line per step; lines never hold a secret.
 */
export const runMigration = async (
  api: ManagementApi,
  official: ConnectorEntry,
  socialTargets: string[],
  log: MigrationLog
): Promise<MigrationOutcome> => {
  const path = `/api/connectors/${encodeURIComponent(official.id)}`;
  try {
    await api.call('DELETE', path);
  } catch (error) {
    return {
      kind: 'failed',
      failure: `Deleting the official connector failed, nothing was changed: ${describe(error)}`,
    };
  }
  const deletedAt = performance.now();
  log(`Deleted the official connector ${official.id}.`);

  let createFailure: string | undefined;
  try {
    await api.call('POST', '/api/connectors', createBody(official, ownFactoryId));
  } catch (error) {
    createFailure = describe(error);
  }
  const createdAt = performance.now();

  if (createFailure !== undefined) {
    // A lost answer may hide a create that went through: look before putting anything back.
    const existing = await findConnector(api, official.id).catch(() => 'unknown' as const);
    if (existing === 'unknown' || existing?.connectorId !== ownFactoryId) {
      return rollBack(api, official, socialTargets, existing, createFailure, log);
    }
    log(`Creating ${ownFactoryId} answered "${createFailure}", but it exists under ${official.id}.`);
  }
  log(`Created ${ownFactoryId} under the same connector id ${official.id}.`);

  try {
    const restoredButton = await restoreButton(api, socialTargets);
    if (restoredButton) {
      log('Put "huggingface" back among the sign-in experience\'s social buttons.');
    }
    return {
      kind: 'migrated',
      connectorGapMs: Math.round(createdAt - deletedAt),
      buttonGapMs: Math.round((restoredButton ? performance.now() : createdAt) - deletedAt),
      restoredButton,
    };
  } catch (error) {
    return {
      kind: 'failed',
      failure: `The connector was migrated, but putting "huggingface" back among the social buttons failed (${describe(error)}). Add Hugging Face again in the console (Sign-in experience > Sign-up and sign-in > Social sign-in).`,
    };
  }
};

/** The create failed: put the official connector back as it was, and its button. */
const rollBack = async (
  api: ManagementApi,
  official: ConnectorEntry,
  socialTargets: string[],
  existing: ConnectorEntry | undefined | 'unknown',
  createFailure: string,
  log: MigrationLog
): Promise<MigrationOutcome> => {
  let restored = existing !== undefined && existing !== 'unknown';
  try {
    if (!restored) {
      await api.call('POST', '/api/connectors', createBody(official, officialFactoryId));
      restored = true;
      log(`Put the official connector back under ${official.id}.`);
    }
    await restoreButton(api, socialTargets);
    return { kind: 'rolled-back', failure: createFailure };
  } catch (error) {
    const recreate = `Create it again in the console with the same client ID and secret, under the connector id ${official.id} (POST /api/connectors accepts "id"), so the callback URL registered at Hugging Face stays valid.`;
    if (existing === 'unknown' && !restored) {
      return {
        kind: 'failed',
        failure: `Creating ${ownFactoryId} answered "${createFailure}", Logto could not say whether it exists, and putting the official connector back failed (${describe(error)}). Check Connectors > Social connectors in the console: if no Hugging Face connector is listed, ${recreate.charAt(0).toLowerCase()}${recreate.slice(1)}`,
      };
    }
    return {
      kind: 'failed',
      failure: restored
        ? `Creating ${ownFactoryId} failed (${createFailure}). The official connector is back under ${official.id}, but putting "huggingface" back among the social buttons failed (${describe(error)}). Add Hugging Face again in the console (Sign-in experience > Sign-up and sign-in > Social sign-in).`
        : `Creating ${ownFactoryId} failed (${createFailure}), and putting the official connector back failed too (${describe(error)}). No Hugging Face connector exists now. ${recreate}`,
    };
  }
};
