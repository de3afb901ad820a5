/**
 * The playground's pages: the sign-in card with the settings panel, and the result page.
 */
import { type ConnectorMetadata, type SocialUserInfo, type TokenResponse } from '@logto/connector-kit';

import { escapeHtml, page } from './html.js';
import { type StepTiming } from './timings.js';
import { type TroubleshootingRow } from './troubleshooting.js';

type FormItem = NonNullable<ConnectorMetadata['formItems']>[number];

/** What the sign-in page shows about where the playground signs in. */
export type ModeInfo = { label: string; redirectUri: string };

const renderField = (item: FormItem, value: unknown): string => {
  const id = `field-${item.key}`;
  const current = item.isConfidential ? '' : (value ?? '');
  const placeholder = item.isConfidential && value ? '(saved; leave blank to keep)' : (item.placeholder ?? '');
  const common = `id="${id}" name="${escapeHtml(item.key)}" placeholder="${escapeHtml(placeholder)}"`;
  const input =
    item.type === 'MultilineText'
      ? `<textarea ${common}>${escapeHtml(Array.isArray(current) ? current.join('\n') : current)}</textarea>`
      : `<input ${common} type="${item.isConfidential ? 'password' : item.type === 'Number' ? 'number' : 'text'}" value="${escapeHtml(current)}" autocomplete="off">`;
  return `<label for="${id}">${escapeHtml(item.label)}${item.required ? ' *' : ''}</label>
${input}
${item.description ? `<p class="description">${escapeHtml(item.description)}</p>` : ''}`;
};

const settingsScript = `
const form = document.getElementById('settings');
const result = document.getElementById('settings-result');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const values = Object.fromEntries(new FormData(form).entries());
  const response = await fetch('/api/settings', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(values),
  });
  const answer = await response.json();
  result.hidden = false;
  result.className = answer.ok ? 'ok' : 'error';
  result.textContent = answer.ok
    ? 'Settings saved.'
    : answer.problems.map((problem) => (problem.key ? problem.key + ': ' : '') + problem.message).join('\\n');
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
    ${formItems.map((item) => renderField(item, settings[item.key])).join('\n')}
    <button class="primary" type="submit">Save settings</button>
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

/**
 * The result page of a successful sign-in: what Logto would store.
 */
export const renderSuccessPage = ({ userInfo, tokenResponse, steps }: SignInOutcome): string => {
  const raw = (userInfo.rawData ?? {}) as Record<string, unknown>;
  const username = typeof raw.preferred_username === 'string' ? raw.preferred_username : '';
  const rows: Array<[string, string]> = [
    ['id', userInfo.id],
    ['name', userInfo.name ?? '—'],
    ['username', username || '—'],
    ['email', userInfo.email ?? '— (none verified or not granted)'],
    ['avatar', userInfo.avatar ?? '—'],
  ];
  const tokens = Object.entries(tokenResponse ?? {}).map(([key, value]) => [
    key,
    tokenFields.has(key) && typeof value === 'string' ? maskToken(value) : String(value),
  ]);
  return page(
    'Signed in with Hugging Face',
    `<section class="card wide" aria-label="Result">
  <h1>Signed in with Hugging Face</h1>
  ${userInfo.avatar ? `<img class="avatar" src="${escapeHtml(userInfo.avatar)}" alt="Avatar of ${escapeHtml(username || userInfo.id)}">` : ''}
  <h2>User info (what Logto stores)</h2>
  <table aria-label="User info">
  ${rows.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td data-field="${escapeHtml(key)}">${escapeHtml(value)}</td></tr>`).join('\n')}
  </table>
  <h2>Token response (tokens masked)</h2>
  <table aria-label="Token response">
  ${tokens.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n')}
  </table>
  <h2>Raw userinfo</h2>
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
