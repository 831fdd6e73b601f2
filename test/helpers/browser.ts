import * as fs from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';

/**
 * Browser tests drive Debian's chromium (`apt-get install chromium`, as .ci/run does) through
 * playwright-core. Playwright never downloads a browser here: playwright-core has no install step,
 * and every launch names this executable.
 */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function missingMessage(): string | undefined {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    return undefined;
  } catch {
    return `browser tests need Debian's chromium at ${CHROMIUM}, which is missing: install it with \`apt-get install chromium\` (.ci/run does so in CI)`;
  }
}

/**
 * For `describe(name, { skip: browserTestSkip() }, ...)`: outside CI a missing chromium skips the
 * browser tests with a message; in CI (CI set) they run, and launchChromium() fails saying why.
 */
export function browserTestSkip(): string | false {
  const missing = missingMessage();
  if (!missing || process.env.CI) return false;
  return missing;
}

/**
 * Launches headless chromium. Each launch gets a fresh, temporary --user-data-dir: playwright
 * creates one per launch (a playwright_chromiumdev_profile-* folder in the temp dir) and removes it
 * on close; it refuses a --user-data-dir in `args`, so the flag cannot be passed here.
 */
export async function launchChromium(): Promise<Browser> {
  const missing = missingMessage();
  if (missing) throw new Error(missing);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

function isLoopback(url: string): boolean {
  let host: string;
  try {
    const u = new URL(url);
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
    host = u.hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A context whose pages reach only loopback addresses: anything else (the Temporal UI's news feed,
 * fonts, telemetry) is aborted, so tests neither depend on nor touch the outside network.
 */
export async function newLoopbackContext(browser: Browser, viewport = { width: 1400, height: 1000 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
  await context.route(
    (url) => !isLoopback(url.href),
    (route) => route.abort('blockedbyclient'),
  );
  return context;
}
