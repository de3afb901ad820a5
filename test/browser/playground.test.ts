/**
 * The playground in Debian's headless Chromium, driven by playwright-core against `npm start`.
 * Screenshots of each end state are saved under test-results/browser/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshots = path.join(root, 'test-results', 'browser');
const isCi = Boolean(process.env.CI);
const hasChromium = existsSync(chromiumPath);

if (!hasChromium && !isCi) {
  console.warn(
    `Skipping the browser test: no Chromium at ${chromiumPath}. Install it with "apt-get install chromium" (or set CHROMIUM_PATH).`
  );
}

/** Starts `npm start` on a free port and resolves with the playground's URL once it prints it. */
const startPlayground = async (): Promise<{ child: ChildProcess; origin: string }> => {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HF_CLIENT_ID: '', HF_CLIENT_SECRET: '' },
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
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return { child, origin };
};

describe.runIf(hasChromium || isCi)('playground in Chromium', () => {
  let playground: { child: ChildProcess; origin: string };
  let browser: Browser;

  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(`Chromium is missing at ${chromiumPath}: CI must install it with apt-get.`);
    }
    mkdirSync(screenshots, { recursive: true });
    playground = await startPlayground();
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (playground?.child.pid) {
      try {
        process.kill(-playground.child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  });

  const openPage = async (): Promise<Page> => {
    const page = await browser.newPage();
    await page.goto(playground.origin);
    return page;
  };

  const saveSettings = async (page: Page, scope: string) => {
    await page.getByLabel('Scope', { exact: true }).fill(scope);
    await page.getByRole('button', { name: 'Save settings' }).click();
    return page.getByRole('alert');
  };

  it('signs the organization member in with profile email and shows username and email', async () => {
    const page = await openPage();
    await expect.poll(async () => (await saveSettings(page, 'profile email')).textContent()).toBe('Settings saved.');
    await page.getByRole('button', { name: 'Continue with Hugging Face' }).click();
    await page.getByRole('button', { name: 'ada', exact: true }).click();

    await page.getByRole('heading', { name: 'Signed in with Hugging Face' }).waitFor();
    expect(await page.locator('[data-field="username"]').textContent()).toBe('ada');
    expect(await page.locator('[data-field="email"]').textContent()).toBe('ada@example.com');
    expect(await page.locator('[data-field="name"]').textContent()).toBe('Ada Lovelace');
    const tokens = (await page.getByRole('table', { name: 'Token response' }).textContent()) ?? '';
    expect(tokens).toMatch(/access_token.{4}….{4}/);
    await page.screenshot({ path: path.join(screenshots, 'signed-in.png'), fullPage: true });
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
