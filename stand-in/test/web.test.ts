/**
 * The helpers the stand-in shares with the playground, and the oidc-provider internals the
 * stand-in relies on (so that an oidc-provider upgrade that changes them fails here).
 */
import { createServer } from 'node:http';

import { afterEach, describe, expect, it } from 'vitest';

import { adapterFor, createSharedStore } from '../oidc-provider.js';
import { startHfStandIn } from '../server.js';
import { escapeHtml, isLoopbackHost, listenOnLoopback, loopbackUrlWithoutPort, PortInUseError } from '../web.js';

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('turns null and undefined into nothing and other values into text', () => {
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('loopback', () => {
  it('knows the loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', 'example.com', '::']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('drops the port of an http loopback URL only', () => {
    expect(loopbackUrlWithoutPort('http://127.0.0.1:3000/cb?x=1')).toBe('http://127.0.0.1/cb?x=1');
    expect(loopbackUrlWithoutPort('https://127.0.0.1:3000/cb')).toBeUndefined();
  });

  it('listens on loopback and returns the origin', async () => {
    const server = createServer((_req, res) => res.end('hi'));
    servers.push(server);
    const origin = await listenOnLoopback(server, { port: 0 });
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(origin)).text()).toBe('hi');
  });

  it('refuses a host that is not loopback', async () => {
    await expect(listenOnLoopback(createServer(), { port: 0, host: '0.0.0.0' })).rejects.toThrow(TypeError);
  });

  it('says which port is in use and what to do instead of a raw EADDRINUSE', async () => {
    const first = createServer();
    servers.push(first);
    const port = Number(new URL(await listenOnLoopback(first, { port: 0 })).port);
    const second = createServer();
    const failure = listenOnLoopback(second, { port });
    await expect(failure).rejects.toThrow(PortInUseError);
    await expect(failure).rejects.toThrow(`port ${port} is in use, set PORT`);
  });

  it('makes the stand-in fail the same way on a busy port', async () => {
    const first = createServer();
    servers.push(first);
    const port = Number(new URL(await listenOnLoopback(first, { port: 0 })).port);
    await expect(startHfStandIn({ clients: [], port })).rejects.toThrow(`port ${port} is in use, set PORT`);
  });
});

describe('oidc-provider internals used by the stand-in', () => {
  it('keeps entries of two adapters in one shared store, so a rebuilt provider finds old tokens', async () => {
    const store = createSharedStore(10);
    const before = adapterFor(store, 0)('AccessToken');
    const after = adapterFor(store, 0)('AccessToken');
    await before.upsert('token-1', { accountId: 'a' }, 60);
    expect(await after.find('token-1')).toEqual({ accountId: 'a' });
    expect(await adapterFor(createSharedStore(10), 0)('AccessToken').find('token-1')).toBeUndefined();
  });

  it("hides a refresh token a rotation consumed only with refreshTokenReuse 'reject'", async () => {
    const store = createSharedStore(10);
    const revoking = adapterFor(store, 0, 'revoke-grant')('RefreshToken');
    const rejecting = adapterFor(store, 0, 'reject')('RefreshToken');
    await revoking.upsert('refresh-1', { accountId: 'a' }, 60);
    expect(await rejecting.find('refresh-1')).toEqual({ accountId: 'a' });

    await revoking.consume('refresh-1');

    expect(await revoking.find('refresh-1')).toEqual({ accountId: 'a', consumed: expect.any(Number) });
    expect(await rejecting.find('refresh-1')).toBeUndefined();
  });
});
