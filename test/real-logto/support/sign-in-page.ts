/**
 * A user signing in to Logto's demo app through Logto's own sign-in page in headless Chromium:
 * "Continue with Hugging Face", the stand-in's login page, Logto's "Set username" step for a new
 * account, and the demo app's page that shows the Logto user ID.
 */
import path from 'node:path';

import type { Locator } from 'playwright-core';

import { launchChromium } from '../../support/chromium.js';

import type { Hub } from './hub.js';
import { repoRoot } from './logto.js';

/** Options of {@link signInOnSignInPage}. */
export type SignInPageOptions = {
  /** Logto's `ENDPOINT`. */
  endpoint: string;
  hub: Hub;
  /** The stand-in's demo user to pick, also the Logto username on a first sign-in. */
  username: string;
  /** A folder under `test-results/` for a screenshot of each step. */
  screenshots: string;
  /** Runs with the button before it is clicked, e.g. to check its logo. */
  onButton?: (button: Locator) => Promise<void>;
};

/** A loaded machine can be slow to render Logto's pages. */
const timeout = 30_000;

/**
 * Opens `${endpoint}/demo-app`, clicks "Continue with Hugging Face", picks the user at the
 * stand-in, sets the username when Logto asks, and waits for the signed-in demo app.
 *
 * @returns The Logto user ID the demo app shows.
 */
export async function signInOnSignInPage({ endpoint, hub, username, screenshots, onButton }: SignInPageOptions): Promise<string> {
  const browser = await launchChromium(hub.chromiumArgs);
  try {
    // The stand-in's certificate comes from the suite's own CA, which Chromium does not know.
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US' })).newPage();
    const shot = async (name: string) => page.screenshot({ path: path.join(repoRoot, 'test-results', screenshots, `${name}.png`) });
    await page.goto(`${endpoint}/demo-app`);
    const button = page.getByRole('button', { name: 'Continue with Hugging Face' });
    await button.waitFor({ timeout });
    await shot('1-sign-in-page');
    await onButton?.(button);

    await button.click();
    await page.waitForURL((url) => url.origin === hub.url && url.pathname.startsWith('/interaction/'), { timeout });
    await shot('2-hugging-face');
    await page.getByRole('button', { name: username, exact: true }).click();

    await page.waitForURL((url) => ['/demo-app', '/continue/username'].includes(url.pathname), { timeout });
    if (new URL(page.url()).pathname === '/continue/username') {
      await shot('3-username');
      await page.locator('input:not([type=hidden])').first().fill(username);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((url) => url.pathname === '/demo-app', { timeout });
    }
    await page.getByText('Sign out', { exact: false }).waitFor({ timeout });
    await shot('4-app-signed-in');
    const shownId = /User ID:\s*(\S+)/.exec(await page.locator('body').innerText())?.[1];
    if (!shownId) throw new Error(`The demo app shows no user ID at ${page.url()}`);
    return shownId;
  } finally {
    await browser.close();
  }
}
