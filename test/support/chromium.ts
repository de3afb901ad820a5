/**
 * Debian's headless Chromium, driven through playwright-core: the one browser the browser tests
 * use (playwright never downloads one here).
 */
import { type Browser, chromium } from 'playwright-core';

/** Where Chromium is: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a sandbox that runs as root on a machine that reaches nothing but loopback: without
 * the background-networking ones, Chromium keeps trying hosts it cannot reach.
 */
const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts headless Chromium.
 *
 * @param extraArgs - More command-line flags (e.g. host resolver rules).
 */
export const launchChromium = async (extraArgs: readonly string[] = []): Promise<Browser> =>
  chromium.launch({ executablePath: chromiumPath, headless: true, args: [...chromiumFlags, ...extraArgs] });
