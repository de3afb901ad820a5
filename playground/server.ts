/**
 * The playground's HTTP server: it plays Logto's part, driving the connector exactly as Logto
 * does (`getAuthorizationUri` with a JSON session, then the callback's query to
 * `getTokenResponseAndUserInfo`), and shows what Logto would store.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { ConnectorError, type SocialConnector } from '@logto/connector-kit';

import { InteractionStore } from './session-store.js';
import { timed } from './timings.js';
import { findHint, type TroubleshootingRow } from './troubleshooting.js';
import { type ModeInfo, renderFailurePage, renderSignInPage, renderSuccessPage } from './views.js';

/** What the playground server needs. */
export type PlaygroundOptions = {
  /** Creates the connector with a `getConfig` returning the current settings. */
  createConnector: (getConfig: () => Promise<unknown>) => Promise<SocialConnector>;
  /** The initial settings (the admin's saved config). */
  settings: Record<string, unknown>;
  /** Keys the settings panel may not change (the real app's credentials). */
  lockedKeys?: readonly string[];
  /** Describes where the playground signs in. */
  modeLabel: string;
  /** The package's logo file. */
  logoPath: string;
  /** The README's troubleshooting rows. */
  hints: readonly TroubleshootingRow[];
};

const cookieName = 'playground_interaction';
const maxBodyBytes = 64 * 1024;

const readCookie = (request: IncomingMessage): string | undefined =>
  request.headers.cookie
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([name]) => name === cookieName)?.[1];

const readJsonBody = async (request: IncomingMessage): Promise<unknown> => {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) {
      throw new Error('body too large');
    }
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
};

const send = (response: ServerResponse, status: number, type: string, body: string | Buffer) => {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  response.end(body);
};

const describeError = (error: unknown): { code: string; message: string } => {
  if (error instanceof ConnectorError) {
    const data = error.data as { errorDescription?: unknown } | undefined;
    const description = typeof data?.errorDescription === 'string' ? data.errorDescription : error.message;
    return { code: error.code, message: description };
  }
  return { code: 'unexpected', message: error instanceof Error ? error.name : 'Unknown failure' };
};

/**
 * Merges the settings panel's fields into the saved settings: a blank field removes the key, a
 * blank confidential field keeps the saved value.
 */
const mergeSettings = (
  saved: Record<string, unknown>,
  submitted: Record<string, unknown>,
  confidentialKeys: ReadonlySet<string>,
  lockedKeys: ReadonlySet<string>
): Record<string, unknown> => {
  const next: Record<string, unknown> = { ...saved };
  for (const [key, value] of Object.entries(submitted)) {
    if (lockedKeys.has(key) || typeof value !== 'string') {
      continue;
    }
    if (value.trim() === '') {
      if (!confidentialKeys.has(key)) {
        delete next[key];
      }
      continue;
    }
    next[key] = value;
  }
  return next;
};

/**
 * Starts the playground on a loopback port.
 *
 * @param port - The port; 0 picks a free one.
 * @returns The server and its origin.
 */
export const startPlayground = async (
  options: PlaygroundOptions,
  port: number
): Promise<{ server: Server; origin: string; redirectUri: string }> => {
  let settings = { ...options.settings };
  const connector = await options.createConnector(async () => settings);
  const formItems = connector.metadata.formItems ?? [];
  const confidentialKeys = new Set(formItems.filter((item) => item.isConfidential).map((item) => item.key));
  const lockedKeys = new Set(options.lockedKeys ?? []);
  const interactions = new InteractionStore();
  const logo = readFileSync(options.logoPath);
  let origin = '';
  let redirectUri = '';

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', origin);
    let interactionId = readCookie(request);
    if (!interactionId || !/^[\w-]{20,40}$/.test(interactionId)) {
      interactionId = InteractionStore.newId();
      response.setHeader('set-cookie', `${cookieName}=${interactionId}; Path=/; HttpOnly; SameSite=Lax`);
    }
    const interaction = interactions.get(interactionId);
    const mode: ModeInfo = { label: options.modeLabel, redirectUri };

    if (request.method === 'GET' && url.pathname === '/') {
      send(response, 200, 'text/html; charset=utf-8', renderSignInPage(formItems, settings, mode));
      return;
    }
    if (request.method === 'GET' && url.pathname === '/logo.svg') {
      send(response, 200, 'image/svg+xml', logo);
      return;
    }
    if (request.method === 'POST' && url.pathname === '/api/settings') {
      let submitted: unknown;
      try {
        submitted = await readJsonBody(request);
      } catch {
        send(response, 400, 'application/json', JSON.stringify({ ok: false, problems: [{ key: '', message: 'The settings form sent no JSON object.' }] }));
        return;
      }
      const candidate = mergeSettings(
        settings,
        submitted && typeof submitted === 'object' ? (submitted as Record<string, unknown>) : {},
        confidentialKeys,
        lockedKeys
      );
      const result = connector.configGuard.safeParse(candidate);
      if (!result.success) {
        const problems = result.error.issues.map((issue) => ({ key: issue.path.join('.'), message: issue.message }));
        send(response, 200, 'application/json', JSON.stringify({ ok: false, problems }));
        return;
      }
      settings = candidate;
      send(response, 200, 'application/json', JSON.stringify({ ok: true }));
      return;
    }
    if (request.method === 'GET' && url.pathname === '/sign-in') {
      const state = randomBytes(16).toString('base64url');
      const outcome = await timed('getAuthorizationUri', async () =>
        connector.getAuthorizationUri(
          {
            state,
            redirectUri,
            connectorId: 'playground',
            connectorFactoryId: connector.metadata.id,
            jti: randomBytes(8).toString('hex'),
            headers: { userAgent: request.headers['user-agent'] },
          },
          interaction.connectorSession.setSession
        )
      );
      if ('error' in outcome) {
        const { code, message } = describeError(outcome.error);
        send(response, 200, 'text/html; charset=utf-8', renderFailurePage({ code, message, hint: findHint(options.hints, code, message), steps: outcome.steps }));
        return;
      }
      interaction.state = state;
      interaction.redirectedAt = performance.now();
      interaction.authorizationUriMs = outcome.steps.at(-1)?.ms;
      response.writeHead(302, { location: outcome.result, 'cache-control': 'no-store' });
      response.end();
      return;
    }
    if (request.method === 'GET' && url.pathname === '/callback') {
      const query = Object.fromEntries(url.searchParams.entries());
      const steps = [
        ...(interaction.authorizationUriMs === undefined ? [] : [{ step: 'getAuthorizationUri', ms: interaction.authorizationUriMs }]),
        ...(interaction.redirectedAt === undefined ? [] : [{ step: 'At Hugging Face (login and consent)', ms: performance.now() - interaction.redirectedAt }]),
      ];
      // Logto's sign-in page checks the state itself and posts the query without it; so does
      // the playground.
      const { state: returnedState, ...callbackQuery } = query;
      if (!interaction.state || returnedState !== interaction.state) {
        send(response, 200, 'text/html; charset=utf-8', renderFailurePage({ code: 'state_mismatch', message: 'This callback does not belong to the sign-in started in this browser. Start again.', steps }));
        return;
      }
      interaction.state = undefined;
      const outcome = await timed('getTokenResponseAndUserInfo', async () => {
        if (!connector.getTokenResponseAndUserInfo) {
          throw new Error('token storage is not supported');
        }
        return connector.getTokenResponseAndUserInfo({ redirectUri, ...callbackQuery }, interaction.connectorSession.getSession);
      });
      if ('error' in outcome) {
        const { code, message } = describeError(outcome.error);
        send(response, 200, 'text/html; charset=utf-8', renderFailurePage({ code, message, hint: findHint(options.hints, code, message), steps: [...steps, ...outcome.steps] }));
        return;
      }
      send(response, 200, 'text/html; charset=utf-8', renderSuccessPage({ ...outcome.result, steps: [...steps, ...outcome.steps] }));
      return;
    }
    send(response, 404, 'text/plain; charset=utf-8', 'Not found');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) {
        send(response, 500, 'text/plain; charset=utf-8', 'The playground failed to answer this request.');
      } else {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  origin = `http://127.0.0.1:${actualPort}`;
  redirectUri = `${origin}/callback`;
  return { server, origin, redirectUri };
};
