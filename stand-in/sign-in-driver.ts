/**
 * Drives a sign-in at the Hugging Face stand-in over plain HTTP, without a browser: it follows the
 * authorization URL, reads the login page, presses a button and follows the redirects back.
 */

/** What the user does on the stand-in's login page: sign in as a demo user, or press Cancel. */
export type SignInChoice = { username: string } | { cancel: true };

type StoredCookie = { name: string; value: string; origin: string; path: string };

/**
 * A minimal cookie jar: enough for oidc-provider's interaction cookies (origin + path scoped).
 * Also used by the real-Logto suite for Logto's own session cookies.
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  /** Keeps the cookies of a response from `url`'s origin (an expired one is forgotten). */
  store(url: URL, setCookieHeaders: string[]): void {
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';');
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      let path = defaultPath(url.pathname);
      let expired = false;
      for (const attribute of attributes) {
        const [rawKey = '', ...rest] = attribute.split('=');
        const key = rawKey.trim().toLowerCase();
        const attributeValue = rest.join('=').trim();
        if (key === 'path' && attributeValue.startsWith('/')) {
          path = attributeValue;
        } else if (key === 'max-age' && Number(attributeValue) <= 0) {
          expired = true;
        } else if (key === 'expires' && Date.parse(attributeValue) <= Date.now()) {
          expired = true;
        }
      }
      const id = `${url.origin} ${path} ${name}`;
      if (expired) {
        this.#cookies.delete(id);
      } else {
        this.#cookies.set(id, { name, value, origin: url.origin, path });
      }
    }
  }

  /** The `Cookie` header to send to `url`, or `undefined` when no cookie applies. */
  header(url: URL): string | undefined {
    const matching = [...this.#cookies.values()].filter(
      (cookie) => cookie.origin === url.origin && pathMatches(url.pathname, cookie.path),
    );
    return matching.length ? matching.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') : undefined;
  }
}

function defaultPath(requestPath: string): string {
  const slash = requestPath.lastIndexOf('/');
  return slash <= 0 ? '/' : requestPath.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'))
  );
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[\da-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (entity, code: string) => {
    const lower = code.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    return named[lower] ?? entity;
  });
}

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    const name = match[1]?.toLowerCase();
    if (name) attributes[name] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

function textOf(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

type FormSubmission = { action: string; body: string };

/** Finds the form holding a button labelled `label` and builds what pressing it would send. */
function pressButton(html: string, label: string): FormSubmission | undefined {
  for (const form of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const formAttributes = parseAttributes(form[1] ?? '');
    const content = form[2] ?? '';
    for (const button of content.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const buttonAttributes = parseAttributes(button[1] ?? '');
      if (textOf(button[2] ?? '') !== label || (buttonAttributes.type ?? 'submit') !== 'submit') continue;
      const body = new URLSearchParams();
      for (const input of content.matchAll(/<input\b([^>]*)>/gi)) {
        const inputAttributes = parseAttributes(input[1] ?? '');
        if (inputAttributes.type === 'hidden' && inputAttributes.name) {
          body.append(inputAttributes.name, inputAttributes.value ?? '');
        }
      }
      if (buttonAttributes.name) body.append(buttonAttributes.name, buttonAttributes.value ?? '');
      if ((formAttributes.method ?? 'get').toLowerCase() !== 'post') {
        throw new Error(`The "${label}" button does not submit a POST form`);
      }
      return { action: formAttributes.action ?? '', body: body.toString() };
    }
  }
  return undefined;
}

function buttonLabels(html: string): string[] {
  return [...html.matchAll(/<button\b[^>]*>([\s\S]*?)<\/button>/gi)].map((match) => textOf(match[1] ?? ''));
}

function isCallback(location: string, target: URL, redirectUri: string): boolean {
  if (location.startsWith(redirectUri) && ['', '?', '#', '&'].includes(location.charAt(redirectUri.length))) {
    return true;
  }
  const url = new URL(location);
  return url.origin === target.origin && url.pathname === target.pathname;
}

/** A short, cookie-free description of a response body for error messages. */
function excerpt(body: string): string {
  const text = textOf(body.replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, ''));
  if (!text) return '';
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

/**
 * Follows an authorization URL through the stand-in's login (no browser), as a user would, and
 * returns the callback's query as an object once the provider redirects to a URL starting with
 * `redirectUri`. The redirect URI itself is never requested.
 *
 * @throws Error naming the status and path when the flow ends anywhere else (an error page, an
 *   unexpected redirect to another origin, a login page without the chosen button).
 */
export async function driveSignIn(
  authorizationUrl: string,
  redirectUri: string,
  choice: SignInChoice,
): Promise<Record<string, string>> {
  const jar = new CookieJar();
  const start = new URL(authorizationUrl);
  const target = new URL(redirectUri);
  const label = 'cancel' in choice ? 'Cancel' : choice.username;

  let url = start;
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  let submitted = false;

  // Each request depends on the answer to the previous one, as in a browser.
  /* eslint-disable no-await-in-loop */
  for (let step = 0; step < 20; step += 1) {
    const headers: Record<string, string> = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';

    const response = await fetch(url, { method, headers, body, redirect: 'manual' });
    jar.store(url, response.headers.getSetCookie());
    const where = `${response.status} at ${method} ${url.pathname}`;

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (!location) throw new Error(`Sign-in stopped: redirect without a Location (${where})`);
      const next = new URL(location, url);
      if (isCallback(next.href, target, redirectUri)) {
        return Object.fromEntries(next.searchParams);
      }
      if (next.origin !== start.origin) {
        throw new Error(`Sign-in left the provider for ${next.origin}${next.pathname} (${where})`);
      }
      url = next;
      method = 'GET';
      body = undefined;
      continue;
    }

    const text = await response.text();
    const isHtml = (response.headers.get('content-type') ?? '').includes('text/html');
    if (response.status === 200 && isHtml && !submitted) {
      const submission = pressButton(text, label);
      if (!submission) {
        throw new Error(
          `No "${label}" button on the page (${where}); buttons: ${buttonLabels(text).join(', ') || 'none'}`,
        );
      }
      url = new URL(submission.action, url);
      method = 'POST';
      body = submission.body;
      submitted = true;
      continue;
    }

    throw new Error(`Sign-in ended at ${where}${excerpt(text)}`);
  }
  /* eslint-enable no-await-in-loop */

  throw new Error('Sign-in did not reach the redirect URI within 20 requests');
}
