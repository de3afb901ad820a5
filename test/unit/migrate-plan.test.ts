/**
 * Reading a Logto instance before the migration (`readMigrationPlan`): what a plan that can go
 * ahead carries, taken from Logto's `GET /api/connectors` and `GET /api/sign-in-exp` answers.
 */
import { describe, expect, it } from 'vitest';

import { createManagementApi } from '../../src/migrate/management-api.js';
import { readMigrationPlan } from '../../src/migrate/plan.js';

import { official, otherConnector, useFakeLogto } from './migrate-fixtures.js';

const start = useFakeLogto();

describe('readMigrationPlan', () => {
  it('is ready with the official connector as Logto stores it and the buttons in their order', async () => {
    const fake = await start({ connectors: [otherConnector, official()], socialTargets: ['huggingface', 'github'] });
    const api = createManagementApi({ endpoint: fake.url, appId: fake.m2m.id, appSecret: fake.m2m.secret });

    expect(await readMigrationPlan(api)).toEqual({
      kind: 'ready',
      official: official(),
      socialTargets: ['huggingface', 'github'],
    });
  });
});
