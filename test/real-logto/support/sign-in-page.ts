/**
 * A user signing in to Logto's demo app through Logto's own sign-in page in Chromium: the
 * "Continue with Hugging Face" button, the stand-in's login page, Logto's "Set username" step
 * for a new account, and the demo app's page that shows the Logto user ID.
 */
import path from 'node:path';

import type { Locator, Page } from 'playwright-core';

/** Options of {@link signInOnSignInPage}. */
export type SignInPageOptions = {
  /** Where Logto serves its pages (`ENDPOINT`). */
  endpoint: string;
  /** The stand-in's origin, where the browser lands after the button. */
  hubUrl: string;
  /** The stand-in's demo user to choose, also used as Logto username on a first sign-in. */
  username: string;
  /** A folder for a screenshot of each step, or undefined for none. */
  screenshots?: string;
  /** Runs with the button before it is clicked, e.g. to check its logo. */
  onButton?: (button: Locator) => Promise<void>;
};

/** Waits this long for each page: a loaded machine can be slow to render Logto's pages. */
const stepTimeoutMs = 30_000;

/**
 * Opens `${endpoint}/demo-app`, clicks "Continue with Hugging Face", picks the user at the
 * stand-in, sets the username when Logto asks (a Hugging Face account Logto does not know yet,
 * with Logto's default sign-up settings), and waits for the signed-in demo app.
 *
 * @returns The Logto user ID the demo app shows.
 * @throws Error when the demo app shows no user ID.
 */
export async function signInOnSignInPage(page: Page, options: SignInPageOptions): Promise<string> {
  const { endpoint, hubUrl, username, screenshots, onButton } = options;
  const shot = async (name: string) => {
    if (screenshots) await page.screenshot({ path: path.join(screenshots, `${name}.png`) });
  };
  await page.goto(`${endpoint}/demo-app`);
  const button = page.getByRole('button', { name: 'Continue with Hugging Face' });
  await button.waitFor({ timeout: stepTimeoutMs });
  await shot('1-sign-in-page');
  await onButton?.(button);

  await button.click();
  await page.waitForURL((url) => url.origin === hubUrl && url.pathname.startsWith('/interaction/'), { timeout: stepTimeoutMs });
  await shot('2-hugging-face');
  await page.getByRole('button', { name: username, exact: true }).click();

  await page.waitForURL((url) => ['/demo-app', '/continue/username'].includes(url.pathname), { timeout: stepTimeoutMs });
  if (new URL(page.url()).pathname === '/continue/username') {
    await shot('3-username');
    await page.locator('input:not([type=hidden])').first().fill(username);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.pathname === '/demo-app', { timeout: stepTimeoutMs });
  }
  await page.getByText('Sign out', { exact: false }).waitFor({ timeout: stepTimeoutMs });
  await shot('4-app-signed-in');
  const shownId = /User ID:\s*(\S+)/.exec(await page.locator('body').innerText())?.[1];
  if (!shownId) throw new Error(`The demo app shows no user ID at ${page.url()}`);
  return shownId;
}
