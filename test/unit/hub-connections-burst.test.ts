/**
 * Requests sent at once, against a real loopback server that counts the connections it accepts:
 * a request takes an idle connection when there is one, so N requests at once with K idle
 * connections open max(0, N - K) new ones, whatever the connection logic decides besides (the
 * idle connections checked before each request, connections opened ahead). The server holds its
 * answers until every request of the burst has arrived, so all of them are in flight together.
 */
import type http from 'node:http';

import { describe, expect, it } from 'vitest';

import { openConnectionsAhead } from '../../src/hub-connections.js';

import { get, type Hub, post, startHub, until } from './hub-fixtures.js';

/** A hub that answers the requests it holds when told to. */
type HoldingHub = Hub & { held: http.ServerResponse[]; answerAll: () => void };

const startHoldingHub = async (): Promise<HoldingHub> => {
  const held: http.ServerResponse[] = [];
  const hub = await startHub(60, {
    handle(_request, response) {
      held.push(response);
    },
  });
  return {
    ...hub,
    held,
    answerAll() {
      for (const response of held.splice(0)) {
        response.end('ok');
      }
    },
  };
};

const connectionsOf = (hub: Hub) => hub.events.filter((event) => event === 'connection').length;

/**
 * Sends `count` requests at once (alternating GET and POST, as userinfo and the token exchange
 * would), answers them once all have arrived, and waits for their ends.
 */
const burst = async (hub: HoldingHub, count: number) => {
  const requests = Array.from({ length: count }, async (_, index) => (index % 2 ? post(hub) : get(hub)));
  const requestsBefore = hub.requestConnections.length;
  await until(() => hub.requestConnections.length === requestsBefore + count);
  hub.answerAll();
  const answers = await Promise.all(requests);
  expect(answers.every(({ status }) => status === 200)).toBe(true);
};

describe('requests sent at once', () => {
  it.each([
    { idle: 0, atOnce: 4, opened: 4 },
    { idle: 3, atOnce: 2, opened: 0 },
    { idle: 3, atOnce: 3, opened: 0 },
    { idle: 2, atOnce: 5, opened: 3 },
  ])('with $idle idle connections, $atOnce at once open $opened new ones', async ({ idle, atOnce, opened }) => {
    const hub = await startHoldingHub();
    if (idle > 0) {
      await burst(hub, idle);
    }
    expect(connectionsOf(hub)).toBe(idle);

    await burst(hub, atOnce);

    expect(connectionsOf(hub)).toBe(idle + opened);
  });

  it('take the idle connections even when connections were opened ahead meanwhile', async () => {
    const hub = await startHoldingHub();
    await burst(hub, 2);
    // As a sign-in that will fetch the key set does before its token exchange: two are open already.
    openConnectionsAhead(hub.url, 2);

    await burst(hub, 3);

    expect(connectionsOf(hub)).toBe(3);
  });

  it('leave every connection in the pool for the next burst', async () => {
    const hub = await startHoldingHub();
    await burst(hub, 5);

    await burst(hub, 5);
    await burst(hub, 2);

    expect(connectionsOf(hub)).toBe(5);
  });
});
