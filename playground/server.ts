/**
 * The playground's HTTP server: it plays Logto's part, driving the connector exactly as Logto
 * does (`getAuthorizationUri` with a JSON session, then the callback's query to
 * `getTokenResponseAndUserInfo`), and shows what Logto would store.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { ConnectorError, type SocialConnector } from '@logto/connector-kit';

import { listenOnLoopback } from '../stand-in/index.js';

import { InteractionStore } from './session-store.js';
import { timed } from './timings.js';
import { findHint, type TroubleshootingRow } from './troubleshooting.js';
import { type ModeInfo, renderFailurePage, renderNoSignInPage, renderSignInPage, renderSuccessPage } from './views.js';

/** What the playground server needs. */
export type PlaygroundOptions = {
  /** Creates the connector with a `getConfig` returning the current settings. */
  createConnector: (getConfig: () => Promise<unknown>) => Promise<SocialConnector>;
  /** The initial settings (the admin's saved config); "Reset to defaults" restores them. */
  settings: Record<string, unknown>;
  /**
   * Keys the settings panel may not change (the real app's credentials), each with the reason
   * shown under its field. A submitted value that differs from the saved one is refused.
   */
  locked?: Readonly<Record<string, string>>;
  /**
   * Keys that go back to their initial value when cleared, instead of being removed (the stand-in's
   * Hub URL: removed, the connector would sign in at huggingface.co).
   */
  restoreWhenCleared?: readonly string[];
  /** Notes shown under fields, e.g. what clearing one does in this mode. */
  notes?: Readonly<Record<string, string>>;
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

/** How the settings panel's fields change the saved settings. */
type MergeRules = {
  /** A blank confidential field keeps the saved value. */
  confidentialKeys: ReadonlySet<string>;
  /** A locked field may only repeat the saved value (or be blank). */
  locked: Readonly<Record<string, string>>;
  /** A blank field here takes its initial value back. */
  restoreWhenCleared: ReadonlySet<string>;
  /** The settings the playground started with. */
  initial: Readonly<Record<string, unknown>>;
};

type Problem = { key: string; message: string };

/**
 * Merges the settings panel's fields into the saved settings: a blank field removes the key,
 * except that a blank confidential field keeps the saved value and a blank field listed in
 * `restoreWhenCleared` takes its initial value back. A changed locked field is a problem.
 */
const mergeSettings = (
  saved: Record<string, unknown>,
  submitted: Record<string, unknown>,
  rules: MergeRules
): { next: Record<string, unknown>; problems: Problem[] } => {
  const next: Record<string, unknown> = { ...saved };
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(submitted)) {
    if (typeof value !== 'string') {
      continue;
    }
    const blank = value.trim() === '';
    const lockedReason = rules.locked[key];
    if (lockedReason !== undefined) {
      if (!blank && value !== saved[key]) {
        problems.push({ key, message: `This field cannot be changed here. ${lockedReason}` });
      }
      continue;
    }
    if (!blank) {
      next[key] = value;
    } else if (rules.restoreWhenCleared.has(key)) {
      next[key] = rules.initial[key];
    } else if (!rules.confidentialKeys.has(key)) {
      next[key] = undefined;
    }
  }
  // A cleared field leaves no key behind: the config guard sees it as never set.
  return { next: Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined)), problems };
};

/** The settings without the confidential values, for the browser. */
const publicSettings = (settings: Record<string, unknown>, confidentialKeys: ReadonlySet<string>) =>
  Object.fromEntries(Object.entries(settings).filter(([key]) => !confidentialKeys.has(key)));

/**
 * Starts the playground on a loopback port.
 *
 * @param port - The port; 0 picks a free one.
 * @returns The server and its origin.
 * @throws PortInUseError when the port is taken.
 */
export const startPlayground = async (
  options: PlaygroundOptions,
  port: number
): Promise<{ server: Server; origin: string; redirectUri: string }> => {
  let settings = { ...options.settings };
  const connector = await options.createConnector(() => Promise.resolve(settings));
  const formItems = connector.metadata.formItems ?? [];
  const confidentialKeys = new Set(formItems.filter((item) => item.isConfidential).map((item) => item.key));
  const rules: MergeRules = {
    confidentialKeys,
    locked: options.locked ?? {},
    restoreWhenCleared: new Set(options.restoreWhenCleared ?? []),
    initial: { ...options.settings },
  };
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
    const mode: ModeInfo = { label: options.modeLabel, redirectUri, locked: rules.locked, notes: options.notes ?? {} };
    const sendJson = (body: unknown) => {
      send(response, 200, 'application/json', JSON.stringify(body));
    };

    if (request.method === 'GET' && url.pathname === '/') {
      send(response, 200, 'text/html; charset=utf-8', renderSignInPage(formItems, settings, mode));
      return;
    }
    if (request.method === 'GET' && ['/logo.svg', '/favicon.svg', '/favicon.ico'].includes(url.pathname)) {
      send(response, 200, 'image/svg+xml', logo);
      return;
    }
    if (request.method === 'POST' && url.pathname === '/api/settings/reset') {
      request.resume();
      settings = { ...rules.initial };
      sendJson({ ok: true, message: 'Settings reset to the defaults.', settings: publicSettings(settings, confidentialKeys) });
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
      const { next, problems } = mergeSettings(
        settings,
        submitted && typeof submitted === 'object' ? (submitted as Record<string, unknown>) : {},
        rules
      );
      if (problems.length > 0) {
        sendJson({ ok: false, problems });
        return;
      }
      const result = connector.configGuard.safeParse(next);
      if (!result.success) {
        sendJson({ ok: false, problems: result.error.issues.map((issue) => ({ key: issue.path.join('.'), message: issue.message })) });
        return;
      }
      settings = next;
      sendJson({ ok: true, message: 'Settings saved.', settings: publicSettings(settings, confidentialKeys) });
      return;
    }
    if (request.method === 'GET' && url.pathname === '/sign-in') {
      const state = randomBytes(16).toString('base64url');
      const outcome = await timed('getAuthorizationUri', () =>
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
      // Logto's sign-in page checks the state itself and posts the query without it; so does
      // the playground.
      const { state: returnedState, ...callbackQuery } = Object.fromEntries(url.searchParams.entries());
      if (!interaction.state || returnedState !== interaction.state) {
        // A reload of a result page shows that result again; any other answer has no sign-in to
        // finish (and no timings: the ones kept belong to the last sign-in).
        if (interaction.finished && returnedState === interaction.finished.state) {
          send(response, 200, 'text/html; charset=utf-8', interaction.finished.page);
        } else {
          send(response, 400, 'text/html; charset=utf-8', renderNoSignInPage());
        }
        return;
      }
      const steps = [
        ...(interaction.authorizationUriMs === undefined ? [] : [{ step: 'getAuthorizationUri', ms: interaction.authorizationUriMs }]),
        ...(interaction.redirectedAt === undefined ? [] : [{ step: 'At Hugging Face (login and consent)', ms: performance.now() - interaction.redirectedAt }]),
      ];
      const { state } = interaction;
      interaction.state = undefined;
      interaction.authorizationUriMs = undefined;
      interaction.redirectedAt = undefined;
      const outcome = await timed('getTokenResponseAndUserInfo', async () => {
        if (!connector.getTokenResponseAndUserInfo) {
          throw new Error('token storage is not supported');
        }
        return connector.getTokenResponseAndUserInfo({ redirectUri, ...callbackQuery }, interaction.connectorSession.getSession);
      });
      let resultPage: string;
      if ('error' in outcome) {
        const { code, message } = describeError(outcome.error);
        resultPage = renderFailurePage({ code, message, hint: findHint(options.hints, code, message), steps: [...steps, ...outcome.steps] });
      } else {
        resultPage = renderSuccessPage({ ...outcome.result, steps: [...steps, ...outcome.steps] });
      }
      interaction.finished = { state, page: resultPage };
      send(response, 200, 'text/html; charset=utf-8', resultPage);
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
  origin = await listenOnLoopback(server, { port });
  redirectUri = `${origin}/callback`;
  return { server, origin, redirectUri };
};
