/**
 * The playground in Debian's headless Chromium, driven by playwright-core against `npm start`.
 * Screenshots of each end state are saved under test-results/browser/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chromiumPath, launchChromium } from '../support/chromium.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const screenshots = path.join(root, 'test-results', 'browser');
const isCi = Boolean(process.env.CI);
const hasChromium = existsSync(chromiumPath);

if (!hasChromium && !isCi) {
  console.warn(
    `Skipping the browser test: no Chromium at ${chromiumPath}. Install it with "apt-get install chromium" (or set CHROMIUM_PATH).`
  );
}

/**
 * Starts the playground on a free port and resolves with its URL once it prints it: `npm start`
 * (which builds first), or with `prebuilt` the playground alone on the build `npm start` made.
 */
const startPlayground = async (
  { env = {}, prebuilt = false }: { env?: Record<string, string>; prebuilt?: boolean } = {}
): Promise<{ child: ChildProcess; origin: string }> => {
  const [command, args] = prebuilt
    ? [path.join(root, 'node_modules', '.bin', 'tsx'), ['playground/main.ts']]
    : ['npm', ['start', '--silent']];
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, PORT: '0', HF_CLIENT_ID: '', HF_CLIENT_SECRET: '', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no URL:\n${output}`)), 90_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Playground: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return { child, origin };
};

const stop = (playground: { child: ChildProcess } | undefined) => {
  if (playground?.child.pid) {
    try {
      process.kill(-playground.child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
};

describe.runIf(hasChromium || isCi)('playground in Chromium', () => {
  let playground: { child: ChildProcess; origin: string };
  /** The playground in real-hub mode (own OAuth app from the environment); never signs in. */
  let realHubPlayground: { child: ChildProcess; origin: string };
  let browser: Browser;

  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(`Chromium is missing at ${chromiumPath}: CI must install it with apt-get.`);
    }
    mkdirSync(screenshots, { recursive: true });
    playground = await startPlayground();
    realHubPlayground = await startPlayground({
      env: { HF_CLIENT_ID: 'my-real-app', HF_CLIENT_SECRET: 'my-real-secret' },
      prebuilt: true,
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    // Unset when beforeAll failed before launching it.
    await (browser as Browser | undefined)?.close();
    stop(playground);
    stop(realHubPlayground);
  });

  const openPage = async (origin = playground.origin): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(origin);
    return page;
  };

  /** Signs ada in from the playground's start page and waits for the result page. */
  const signInAsAda = async (page: Page) => {
    await page.getByRole('button', { name: 'Continue with Hugging Face' }).click();
    await page.getByRole('button', { name: 'ada', exact: true }).click();
    await page.getByRole('heading', { name: 'Signed in with Hugging Face' }).waitFor();
  };

  const saveSettings = async (page: Page, scope: string) => {
    await page.getByLabel('Scope', { exact: true }).fill(scope);
    await page.getByRole('button', { name: 'Save settings' }).click();
    return page.getByRole('alert');
  };

  it('signs the organization member in with profile email and lists only what Logto stores', async () => {
    const page = await openPage();
    await expect.poll(async () => (await saveSettings(page, 'profile email')).textContent()).toBe('Settings saved.');
    await page.getByRole('button', { name: 'Continue with Hugging Face' }).click();
    await page.getByRole('button', { name: 'ada', exact: true }).click();

    await page.getByRole('heading', { name: 'Signed in with Hugging Face' }).waitFor();
    // Logto's SocialUserInfo: id, name, avatar, email, phone, rawData; no username.
    const stored = await page.getByRole('table', { name: 'User info' }).locator('th').allTextContents();
    expect(stored).toEqual(['id', 'name', 'avatar', 'email', 'phone', 'rawData']);
    expect(await page.locator('[data-field="email"]').textContent()).toBe('ada@example.com');
    expect(await page.locator('[data-field="name"]').textContent()).toBe('Ada Lovelace');
    expect(await page.getByLabel('Raw userinfo').textContent()).toContain('"preferred_username": "ada"');
    // No openid in the scope: Hugging Face issues no ID token.
    expect(await page.locator('[data-field="id-token"]').textContent()).toContain('None');
    expect(await page.getByRole('table', { name: 'ID token claims' }).count()).toBe(0);
    const tokens = (await page.getByRole('table', { name: 'Token response' }).textContent()) ?? '';
    expect(tokens).toMatch(/access_token.{4}….{4}/);
    await page.screenshot({ path: path.join(screenshots, 'signed-in.png'), fullPage: true });
    await page.close();
  });

  it('says the ID token was verified and shows its claims after an openid sign-in', async () => {
    const page = await openPage();
    const hubUrl = await page.getByLabel('Hub URL').inputValue();
    await expect.poll(async () => (await saveSettings(page, 'openid profile email')).textContent()).toBe('Settings saved.');
    await page.getByRole('button', { name: 'Continue with Hugging Face' }).click();
    await page.getByRole('button', { name: 'ada', exact: true }).click();

    await page.getByRole('heading', { name: 'Signed in with Hugging Face' }).waitFor();
    expect(await page.locator('[data-field="id-token"]').textContent()).toContain('Verified by the connector');
    const claim = async (name: string) => page.locator(`[data-claim="${name}"]`).textContent();
    // OpenID Connect Core: iss is the issuer, aud the client ID, sub the user's stable id.
    expect(await claim('iss')).toBe(hubUrl);
    expect(await claim('aud')).toBe('playground');
    expect(await claim('sub')).toBe(await page.locator('[data-field="id"]').textContent());
    expect(await claim('nonce')).toMatch(/\S{16,}/);
    // Times are seconds since 1970-01-01 UTC (RFC 7519 §4.1): the number, then that instant in UTC.
    const times = await Promise.all(['iat', 'exp', 'auth_time'].map(async (name) => [name, await claim(name)] as const));
    for (const [name, shown] of times) {
      const [, seconds = '', date] = /^(\d+) \((.*)\)$/.exec(shown ?? '') ?? [];
      expect(date, name).toBe(new Date(Number(seconds) * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC'));
    }
    await page.screenshot({ path: path.join(screenshots, 'signed-in-openid.png'), fullPage: true });
    await page.close();
  });

  it('shows the same result when the result page is reloaded', async () => {
    const page = await openPage();
    await signInAsAda(page);
    const userInfo = await page.getByRole('table', { name: 'User info' }).textContent();

    await page.reload();
    await page.getByRole('heading', { name: 'Signed in with Hugging Face' }).waitFor();
    expect(await page.getByRole('table', { name: 'User info' }).textContent()).toBe(userInfo);
    expect(await page.getByRole('heading', { name: 'Sign-in failed' }).count()).toBe(0);
    await page.close();
  });

  it('opened directly after a sign-in, /callback says no sign-in waits for it, without its timings', async () => {
    const page = await openPage();
    await signInAsAda(page);

    await page.goto(`${playground.origin}/callback`);
    await page.getByRole('heading', { name: 'No sign-in to finish' }).waitFor();
    expect(await page.getByRole('table', { name: 'Timings' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Start a new sign-in' }).click();
    await page.getByRole('button', { name: 'ada', exact: true }).waitFor();
    await page.screenshot({ path: path.join(screenshots, 'no-sign-in-to-finish.png'), fullPage: true });
    await page.close();
  });

  it("serves the favicon the stand-in's pages link, and answers no request of a sign-in with an error", async () => {
    const page = await openPage();
    const failed: string[] = [];
    page.on('response', (answer) => {
      if (answer.status() >= 400) {
        failed.push(`${answer.status()} ${answer.url()}`);
      }
    });
    await page.getByRole('button', { name: 'Continue with Hugging Face' }).click();
    await page.getByRole('button', { name: 'ada', exact: true }).waitFor();
    const standIn = new URL(page.url()).origin;
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    const answers = await Promise.all(
      [href ?? '/missing', '/favicon.ico'].map((icon) => page.request.get(new URL(icon, standIn).href))
    );
    for (const answer of answers) {
      expect(answer.status()).toBe(200);
      expect(answer.headers()['content-type']).toBe('image/svg+xml');
    }
    await page.getByRole('button', { name: 'ada', exact: true }).click();
    await page.getByRole('heading', { name: 'Signed in with Hugging Face' }).waitFor();
    expect(failed).toEqual([]);
    await page.close();
  });

  it('keeps the sign-in card its own height beside the taller settings card', async () => {
    const page = await openPage();
    const signIn = await page.getByRole('region', { name: 'Sign in' }).boundingBox();
    const settings = await page.getByRole('region', { name: 'Connector settings' }).boundingBox();
    expect(signIn && settings).toBeTruthy();
    expect(signIn!.height).toBeLessThan(settings!.height / 2);
    await page.close();
  });

  it('serves a favicon', async () => {
    const page = await openPage();
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    const answers = await Promise.all(
      [href ?? '/missing', '/favicon.ico'].map((icon) => page.request.get(new URL(icon, playground.origin).href))
    );
    for (const answer of answers) {
      expect(answer.status()).toBe(200);
      expect(answer.headers()['content-type']).toBe('image/svg+xml');
    }
    await page.close();
  });

  it('shows a styled stand-in login page', async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Continue with Hugging Face' }).click();
    const ada = page.getByRole('button', { name: 'ada', exact: true });
    await ada.waitFor();
    // A page without styles shows buttons with the browser's default grey face and no radius.
    const style = await ada.evaluate((element) => {
      const computed = getComputedStyle(element);
      return { radius: computed.borderTopLeftRadius, background: computed.backgroundColor };
    });
    expect(style.radius).not.toBe('0px');
    expect(style.background).not.toBe('rgb(239, 239, 239)');
    expect(await page.locator('img[src$="/avatars/ada.svg"]').evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(screenshots, 'stand-in-login.png'), fullPage: true });
    await page.close();
  });

  it('puts the stand-in back when Hub URL is cleared, and resets the settings', async () => {
    const page = await openPage();
    const hubUrl = page.getByLabel('Hub URL');
    const standInUrl = await hubUrl.inputValue();
    expect(standInUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await hubUrl.fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(async () => page.getByRole('alert').textContent()).toBe('Settings saved.');
    expect(await hubUrl.inputValue()).toBe(standInUrl);
    await page.getByRole('button', { name: 'Continue with Hugging Face' }).click();
    await page.getByRole('button', { name: 'ada', exact: true }).waitFor();
    expect(new URL(page.url()).origin).toBe(standInUrl);

    await page.goto(playground.origin);
    await expect.poll(async () => (await saveSettings(page, 'profile')).textContent()).toBe('Settings saved.');
    await page.getByRole('button', { name: 'Reset to defaults' }).click();
    await expect.poll(async () => page.getByRole('alert').textContent()).toBe('Settings reset to the defaults.');
    expect(await page.getByLabel('Scope', { exact: true }).inputValue()).toBe('openid profile email');
    await page.reload();
    expect(await page.getByLabel('Scope', { exact: true }).inputValue()).toBe('openid profile email');
    await page.close();
  });

  it('in real-hub mode, does not let the Client ID be edited and refuses a changed one', async () => {
    const page = await openPage(realHubPlayground.origin);
    const clientId = page.getByLabel('Client ID');
    expect(await clientId.inputValue()).toBe('my-real-app');
    expect(await clientId.getAttribute('readonly')).not.toBeNull();
    await clientId.press('x').catch(() => undefined);
    expect(await clientId.inputValue()).toBe('my-real-app');

    // A form that sends another value anyway is told so, not "Settings saved".
    const answer = await page.evaluate(async () => {
      const response = await fetch('/api/settings', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: 'another-app' }),
      });
      return (await response.json()) as { ok: boolean; problems?: Array<{ key: string; message: string }> };
    });
    expect(answer.ok).toBe(false);
    expect(answer.problems?.[0]?.key).toBe('clientId');
    expect(answer.problems?.[0]?.message).toContain('HF_CLIENT_ID');
    await page.reload();
    expect(await page.getByLabel('Client ID').inputValue()).toBe('my-real-app');
    await page.close();
  });

  it('shows authorization_failed with a hint when the user cancels', async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Continue with Hugging Face' }).click();
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();

    await page.getByRole('heading', { name: 'Sign-in failed' }).waitFor();
    expect(await page.locator('[data-field="code"]').textContent()).toBe('authorization_failed');
    expect(await page.locator('[data-field="message"]').textContent()).toContain('cancelled');
    expect(await page.locator('[data-field="fix"]').textContent()).toContain('the user can try again');
    await page.screenshot({ path: path.join(screenshots, 'cancelled.png'), fullPage: true });
    await page.close();
  });

  it('shows the config guard error for an unknown scope without leaving the page', async () => {
    const page = await openPage();
    const alert = await saveSettings(page, 'profile emial');

    await expect.poll(async () => alert.textContent()).toContain('Unknown Hugging Face scope "emial"');
    expect(page.url()).toBe(`${playground.origin}/`);
    await page.screenshot({ path: path.join(screenshots, 'invalid-scope.png'), fullPage: true });
    await page.close();
  });
});
