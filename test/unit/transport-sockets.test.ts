/**
 * What only a real connection shows of the transport, against a server on 127.0.0.1: the
 * connector hangs up on a body without `content-length` soon after 1 MiB instead of reading all
 * of it, and frees a connection answered with `101 Switching Protocols` (which nock cannot
 * send) at once. README: bodies are cut at 1 MiB; the connector hangs up after about 1 MiB.
 */
import { type ServerResponse } from 'node:http';

import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { distinctive, type LoopbackServer, settle, startLoopbackServer } from '../hostile/support.js';
import { startSignIn } from '../support/kit.js';

const mebibyte = 1024 * 1024;

let hub: LoopbackServer;

beforeAll(async () => {
  hub = await startLoopbackServer();
});

afterAll(async () => {
  await hub.close();
});

/**
 * Signs in with the token exchange answered and userinfo answered by `answerUserInfo`; returns
 * the code and the description of the connector error the sign-in ended with.
 */
const signInFailingAtUserInfo = async (
  answerUserInfo: (response: ServerResponse) => void
): Promise<{ code: ConnectorErrorCodes; description: string }> => {
  // The longest time limit allowed: a connector that waited for it would outlast the test's.
  const signIn = await startSignIn({ hubUrl: hub.url, config: { requestTimeoutMs: 30_000 } });
  hub.handle((request, response) => {
    if (request.path === '/oauth/token') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ access_token: distinctive('access'), token_type: 'bearer' }));
      return;
    }
    answerUserInfo(response);
  });
  const outcome = await settle(signIn.finish());
  expect(outcome.settled).toBe('rejected');
  const { error } = outcome as { error: unknown };
  expect(error).toBeInstanceOf(ConnectorError);
  const { code, data } = error as ConnectorError;
  return { code, description: String((data as { errorDescription?: unknown }).errorDescription) };
};

describe('over a real connection', () => {
  it('hangs up on a body without content-length soon after 1 MiB, of 64 MiB on offer', async () => {
    const offered = 64 * mebibyte;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const error = await signInFailingAtUserInfo((response) => {
      // No content-length: the body is sent chunked, its size known only as it arrives.
      response.writeHead(200, { 'content-type': 'application/json' });
      const pump = () => {
        while (sent < offered && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end();
      };
      pump();
    });

    expect(error.code).toBe(ConnectorErrorCodes.InvalidResponse);
    expect(error.description).toContain(`too large (body over ${mebibyte} bytes)`);
    // Socket buffers on both sides hold some megabytes more than the connector read.
    expect(sent).toBeLessThan(16 * mebibyte);
  });

  it('frees a connection answered with 101 and reports the upgrade without waiting for a timeout', async () => {
    const closed: Array<Promise<void>> = [];
    const error = await signInFailingAtUserInfo((response) => {
      const { socket } = response;
      if (socket) {
        closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
        socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: hostile\r\n\r\n');
      }
    });

    expect(error.code).toBe(ConnectorErrorCodes.General);
    expect(error.description).toContain(
      `Hugging Face's userinfo endpoint (${hub.url}) could not be reached (unexpected protocol upgrade (101))`
    );
    // Each upgraded connection was closed by the connector; the server never closes them.
    expect(closed.length).toBeGreaterThan(0);
    await Promise.all(closed);
  });
});
