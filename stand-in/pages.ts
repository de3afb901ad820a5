/**
 * The stand-in's HTML pages: the login page where a demo user is picked, and its error pages.
 * Styled after Hugging Face's sign-in page; everything is inline, so the pages load without network.
 */
import type { DemoUser } from './accounts.js';
import { escapeHtml } from './web.js';

const styles = `
:root{color-scheme:light;font-family:"Source Sans Pro",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:0;min-height:100vh;background:linear-gradient(180deg,#fff8e6 0,#f9fafb 40%);color:#111827;display:flex;justify-content:center;align-items:flex-start}
main{width:100%;max-width:420px;margin:48px 16px;background:#fff;border:1px solid #e5e7eb;border-radius:16px;box-shadow:0 8px 32px rgb(0 0 0 / 6%);padding:32px;box-sizing:border-box}
.brand{display:flex;align-items:center;gap:10px;font-weight:700;font-size:18px;margin-bottom:20px}
.brand .mark{flex:none}
.brand small{font-weight:400;color:#6b7280;font-size:13px}
h1{font-size:22px;margin:0 0 8px}
p{margin:8px 0;color:#374151;line-height:1.45}
code{background:#f3f4f6;border-radius:4px;padding:1px 5px;font-size:13px;word-break:break-all}
ul{list-style:none;padding:0;margin:16px 0}
li{margin:8px 0}
.user{display:flex;align-items:center;gap:12px;padding:10px 14px;border:1px solid #e5e7eb;border-radius:10px}
.user:hover,.user:focus-within{border-color:#ffd21e;background:#fffbeb}
.user img{width:36px;height:36px;border-radius:50%;flex:none}
.user button{min-width:96px;height:34px;border:0;border-radius:8px;background:#111827;color:#fff;font:inherit;font-weight:600;cursor:pointer}
.user button:hover{background:#374151}
.user .who{color:#6b7280;font-size:13px;overflow-wrap:anywhere}
.cancel{width:100%;height:40px;border:0;border-radius:10px;background:#f3f4f6;color:#374151;font:inherit;font-weight:600;cursor:pointer}
.cancel:hover{background:#e5e7eb}
.error{background:#fef2f2;border:1px solid #fecaca;border-radius:10px;padding:10px 12px;color:#991b1b}
`;

/** The stand-in's smiley mark, with `attributes` on its `<svg>` element. */
const markSvg = (attributes: string) =>
  `<svg ${attributes} viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#ffd21e"/><circle cx="11" cy="13" r="2" fill="#3a3b45"/><circle cx="21" cy="13" r="2" fill="#3a3b45"/><path d="M10 19q6 6 12 0" stroke="#3a3b45" stroke-width="2" fill="none" stroke-linecap="round"/></svg>`;

/** The stand-in's favicon, an SVG document of its mark; its pages link it as `/favicon.svg`. */
export const faviconSvg = `<?xml version="1.0" encoding="UTF-8"?>\n${markSvg('xmlns="http://www.w3.org/2000/svg" width="32" height="32"')}\n`;

/** The paths the stand-in answers with {@link faviconSvg}: the linked one and the one browsers try. */
export const faviconPaths: ReadonlySet<string> = new Set(['/favicon.svg', '/favicon.ico']);

/**
 * A complete HTML page in the stand-in's frame.
 *
 * @param title - The document title (escaped here).
 * @param body - Trusted HTML built with {@link escapeHtml}.
 */
export const standInPage = (title: string, body: string): string => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>${styles}</style>
</head>
<body>
<main>
<div class="brand">${markSvg('class="mark" aria-hidden="true" width="32" height="32"')}<span>Hugging Face <small>(stand-in)</small></span></div>
${body}
</main>
</body>
</html>
`;

/** What the login page shows. */
export type LoginPageContent = {
  /** The interaction id of the authorization request. */
  uid: string;
  /** The requesting app's client ID. */
  clientId: string;
  /** The requested scope string. */
  scope: string;
  /** The `orgIds` parameter of the request, if any. */
  orgIds: string;
  /** The demo users, one button each. */
  users: readonly DemoUser[];
  /** The URL of a user's avatar, relative to the stand-in so the page's CSP allows it. */
  pictureOf: (user: DemoUser) => string;
  /** A problem with the last submission. */
  error?: string;
};

/**
 * The login page: one button per demo user (its text is exactly the username) posting to
 * `/interaction/<uid>/login`, and a Cancel button posting to `/interaction/<uid>/abort`.
 */
export const loginPage = ({ uid, clientId, scope, orgIds, users, pictureOf, error }: LoginPageContent): string => {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  const buttons = users
    .map((user) => {
      const who = [user.name || '(no display name)', user.email].join(' · ');
      return `<li class="user"><img src="${escapeHtml(pictureOf(user))}" alt=""><button type="submit" name="username" value="${escapeHtml(user.preferred_username)}">${escapeHtml(user.preferred_username)}</button><span class="who">${escapeHtml(who)}</span></li>`;
    })
    .join('\n');
  return standInPage(
    'Sign in to Hugging Face (stand-in)',
    `<h1>Sign in to Hugging Face (stand-in)</h1>
<p><code>${escapeHtml(clientId)}</code> asks for: <code>${escapeHtml(scope || '(no scope)')}</code></p>
${orgIds ? `<p>Organization access requested: <code>${escapeHtml(orgIds)}</code></p>` : ''}
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<p>Choose who signs in:</p>
<form method="post" action="${action}/login">
<ul>
${buttons}
</ul>
</form>
<form method="post" action="${action}/abort">
<button class="cancel" type="submit">Cancel</button>
</form>`,
  );
};

/** The page of an OAuth error the stand-in cannot redirect back (e.g. an unregistered `redirect_uri`). */
export const oauthErrorPage = (error: string, description: string): string =>
  standInPage(
    'Hugging Face (stand-in): error',
    `<h1>Something went wrong</h1>
<p class="error"><code>${escapeHtml(error)}</code></p>
<p>${escapeHtml(description)}</p>`,
  );

/** The page of a login page request whose sign-in is unknown or expired. */
export const expiredInteractionPage = (): string =>
  standInPage(
    'Hugging Face (stand-in): error',
    '<h1>Sign-in request expired</h1><p>This sign-in request has expired or is unknown. Start again from the application.</p>',
  );
