/**
 * The playground's pages: the sign-in card with the settings panel, the result pages, and the
 * page of a callback no sign-in waits for.
 */
import {
  ConnectorConfigFormItemType,
  type ConnectorMetadata,
  type SocialUserInfo,
  type TokenResponse,
} from '@logto/connector-kit';
import { decodeJwt } from 'jose';

import { escapeHtml } from '../stand-in/index.js';

import { page } from './html.js';
import { type StepTiming } from './timings.js';
import { type TroubleshootingRow } from './troubleshooting.js';

type FormItem = NonNullable<ConnectorMetadata['formItems']>[number];

/** What the sign-in page shows about where the playground signs in. */
export type ModeInfo = {
  /** Where the playground signs in. */
  label: string;
  /** The redirect URI to register at Hugging Face. */
  redirectUri: string;
  /** Settings the panel may not change, each with the reason shown under its field. */
  locked: Readonly<Record<string, string>>;
  /** Notes shown under a field after its own description (e.g. what clearing it does here). */
  notes?: Readonly<Record<string, string>>;
};

/** A saved value as the text of its field: lists one item a line. */
const fieldText = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(fieldText).join('\n');
  return typeof value === 'string' ? value : JSON.stringify(value);
};

const renderField = (item: FormItem, value: unknown, lockedReason: string | undefined, note: string | undefined): string => {
  const id = `field-${item.key}`;
  const current = item.isConfidential ? '' : fieldText(value);
  const placeholder = item.isConfidential && value ? '(saved; leave blank to keep)' : (item.placeholder ?? '');
  const common = `id="${id}" name="${escapeHtml(item.key)}" placeholder="${escapeHtml(placeholder)}"${lockedReason === undefined ? '' : ' readonly'}`;
  const input =
    item.type === ConnectorConfigFormItemType.MultilineText
      ? `<textarea ${common}>${escapeHtml(current)}</textarea>`
      : `<input ${common} type="${item.isConfidential ? 'password' : item.type === ConnectorConfigFormItemType.Number ? 'number' : 'text'}" value="${escapeHtml(current)}" autocomplete="off">`;
  const description = lockedReason ?? item.description;
  return `<label for="${id}">${escapeHtml(item.label)}${item.required ? ' *' : ''}</label>
${input}
${description ? `<p class="description">${escapeHtml(description)}</p>` : ''}
${note ? `<p class="description"><strong>${escapeHtml(note)}</strong></p>` : ''}`;
};

const settingsScript = `
const form = document.getElementById('settings');
const result = document.getElementById('settings-result');
const show = (answer) => {
  result.hidden = false;
  result.className = answer.ok ? 'ok' : 'error';
  result.textContent = answer.ok
    ? answer.message
    : answer.problems.map((problem) => (problem.key ? problem.key + ': ' : '') + problem.message).join('\\n');
};
// Shows what the server keeps, so the form never claims a value the server dropped.
const fill = (settings) => {
  for (const element of form.elements) {
    if (!element.name || element.type === 'password') continue;
    const value = settings[element.name];
    element.value = value === undefined ? '' : Array.isArray(value) ? value.join('\\n') : String(value);
  }
};
const send = async (url, body) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = await response.json();
  if (answer.ok) fill(answer.settings);
  show(answer);
};
form.addEventListener('submit', (event) => {
  event.preventDefault();
  void send('/api/settings', JSON.stringify(Object.fromEntries(new FormData(form).entries())));
});
document.getElementById('reset').addEventListener('click', () => {
  void send('/api/settings/reset', '{}');
});
`;

/**
 * The start page: a Logto-like sign-in card and the connector's settings form.
 *
 * @param formItems - The connector's own `metadata.formItems`.
 * @param settings - The saved config.
 * @param mode - Which Hugging Face the playground talks to.
 */
export const renderSignInPage = (
  formItems: readonly FormItem[],
  settings: Record<string, unknown>,
  mode: ModeInfo
): string =>
  page(
    'Hugging Face connector playground',
    `<section class="card" aria-label="Sign in">
  <h1>Sign in to Playground</h1>
  <p class="sub">Welcome back. Sign in with your Hugging Face account.</p>
  <form method="get" action="/sign-in">
    <button class="social" type="submit"><img src="/logo.svg" alt=""><span>Continue with Hugging Face</span></button>
  </form>
  <p class="mode">${escapeHtml(mode.label)}<br>Redirect URI: <code>${escapeHtml(mode.redirectUri)}</code></p>
</section>
<section class="card" aria-label="Connector settings">
  <h1>Connector settings</h1>
  <p class="sub">The connector's own console form, checked by its config guard.</p>
  <form id="settings">
    ${formItems.map((item) => renderField(item, settings[item.key], mode.locked[item.key], mode.notes?.[item.key])).join('\n')}
    <div class="actions">
      <button class="primary" type="submit">Save settings</button>
      <button class="secondary" type="button" id="reset">Reset to defaults</button>
    </div>
  </form>
  <div id="settings-result" role="alert" hidden></div>
</section>
<script>${settingsScript}</script>`
  );

/** Masks a token: its first and last four characters. */
export const maskToken = (token: string): string =>
  token.length <= 12 ? '*'.repeat(token.length) : `${token.slice(0, 4)}…${token.slice(-4)}`;

const tokenFields = new Set(['access_token', 'refresh_token', 'id_token']);

const renderTimings = (steps: readonly StepTiming[]) =>
  `<h2>Timings</h2>
<table aria-label="Timings">
${steps.map(({ step, ms }) => `<tr><th>${escapeHtml(step)}</th><td>${ms.toFixed(1)} ms</td></tr>`).join('\n')}
</table>`;

const againLink = '<p><a class="social" href="/">Sign in again</a></p>';

/** What a successful sign-in produced. */
export type SignInOutcome = {
  userInfo: SocialUserInfo;
  tokenResponse?: TokenResponse;
  steps: StepTiming[];
};

/** The claims of an ID token, decoded after the connector verified it. */
const idTokenClaims = (idToken: string): Record<string, unknown> | undefined => {
  try {
    return decodeJwt(idToken);
  } catch {
    return undefined;
  }
};

/** Claims that are times, in seconds since 1970-01-01 UTC (RFC 7519 §4.1, OpenID Connect Core §2). */
const timeClaims: ReadonlySet<string> = new Set(['iat', 'exp', 'nbf', 'auth_time']);

/**
 * A claim's value as the page shows it: text as it is, a time claim as its number followed by
 * the UTC date it stands for, e.g. `1700000000 (2023-11-14 22:13:20 UTC)`, anything else as JSON.
 */
const claimText = (key: string, value: unknown): string => {
  if (typeof value === 'string') {
    return value;
  }
  if (timeClaims.has(key) && typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value * 1000);
    if (!Number.isNaN(date.getTime())) {
      return `${value} (${date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC')})`;
    }
  }
  return JSON.stringify(value);
};

const renderIdToken = (idToken: string | undefined): string => {
  if (idToken === undefined) {
    return `<h2>ID token</h2>
  <p data-field="id-token">None: the scope has no <code>openid</code>, so Hugging Face issued no ID token and there was nothing to verify.</p>`;
  }
  const claims = idTokenClaims(idToken) ?? {};
  return `<h2>ID token</h2>
  <p class="ok" data-field="id-token">Verified by the connector: RS256 signature against Hugging Face's key set, issuer, audience (the client ID), expiry, nonce, and a subject equal to the userinfo's.</p>
  <table aria-label="ID token claims">
  ${Object.entries(claims)
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td data-claim="${escapeHtml(key)}">${escapeHtml(claimText(key, value))}</td></tr>`)
    .join('\n')}
  </table>`;
};

/**
 * The result page of a successful sign-in: what Logto stores (Logto's `SocialUserInfo`: id, name,
 * avatar, email, phone, rawData), whether an ID token was verified and its claims, and the token
 * response with the tokens masked.
 */
export const renderSuccessPage = ({ userInfo, tokenResponse, steps }: SignInOutcome): string => {
  const raw = (userInfo.rawData ?? {}) as Record<string, unknown>;
  const rows: Array<[string, string]> = [
    ['id', userInfo.id],
    ['name', userInfo.name ?? '—'],
    ['avatar', userInfo.avatar ?? '—'],
    ['email', userInfo.email ?? '— (none verified or not granted)'],
    ['phone', userInfo.phone ?? '— (Hugging Face has none)'],
  ];
  const tokens = Object.entries(tokenResponse ?? {}).map(([key, value]) => [
    key,
    tokenFields.has(key) && typeof value === 'string' ? maskToken(value) : String(value),
  ]);
  const idToken = typeof tokenResponse?.id_token === 'string' ? tokenResponse.id_token : undefined;
  return page(
    'Signed in with Hugging Face',
    `<section class="card wide" aria-label="Result">
  <h1>Signed in with Hugging Face</h1>
  ${userInfo.avatar ? `<img class="avatar" src="${escapeHtml(userInfo.avatar)}" alt="Avatar of ${escapeHtml(userInfo.name ?? userInfo.id)}">` : ''}
  <h2>User info (what Logto stores)</h2>
  <table aria-label="User info">
  ${rows.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td data-field="${escapeHtml(key)}">${escapeHtml(value)}</td></tr>`).join('\n')}
  <tr><th>rawData</th><td>the whole userinfo, below</td></tr>
  </table>
  ${renderIdToken(idToken)}
  <h2>Token response (tokens masked)</h2>
  <table aria-label="Token response">
  ${tokens.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n')}
  </table>
  <h2>Raw userinfo (rawData)</h2>
  <pre aria-label="Raw userinfo">${escapeHtml(JSON.stringify(raw, null, 2))}</pre>
  ${renderTimings(steps)}
  ${againLink}
</section>`
  );
};

/** What a failed sign-in produced. */
export type SignInFailure = {
  code: string;
  message: string;
  hint?: TroubleshootingRow;
  steps: StepTiming[];
};

/**
 * The result page of a failed sign-in: the connector error's code and message, and the README's
 * hint for it.
 */
export const renderFailurePage = ({ code, message, hint, steps }: SignInFailure): string =>
  page(
    'Sign-in failed',
    `<section class="card wide" aria-label="Result">
  <h1>Sign-in failed</h1>
  <table aria-label="Error">
  <tr><th>Error code</th><td data-field="code"><code>${escapeHtml(code)}</code></td></tr>
  <tr><th>Message</th><td data-field="message">${escapeHtml(message)}</td></tr>
  ${hint ? `<tr><th>Cause</th><td>${escapeHtml(hint.cause)}</td></tr><tr><th>How to fix it</th><td data-field="fix">${escapeHtml(hint.fix)}</td></tr>` : ''}
  </table>
  ${renderTimings(steps)}
  ${againLink}
</section>`
  );

/**
 * The page of a callback that no sign-in in this browser waits for: opened directly, from another
 * browser, or an answer to a sign-in that has already ended (a reload of the last result page
 * shows that page instead).
 */
export const renderNoSignInPage = (): string =>
  page(
    'No sign-in to finish',
    `<section class="card wide" aria-label="Result">
  <h1>No sign-in to finish</h1>
  <p>No sign-in is waiting for this answer in this browser. This address is where Hugging Face sends the browser back during a sign-in; this sign-in has already ended, or it was started in another browser.</p>
  <p><a class="social" href="/sign-in">Start a new sign-in</a></p>
  <p><a href="/">Back to the playground</a></p>
</section>`
  );
