// The real browser of the page tests: Debian's Chromium driven by playwright-core (no browser download).
// CHROMIUM_PATH overrides where it is; the flags keep it offline and quiet in a container.
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * Records the page's uncaught errors in `errors`, and refuses any request that leaves 127.0.0.1 (recording it
 * too): the pages must work offline. `label` (a path, say) prefixes each entry.
 */
export async function watchOffline(page: Page, errors: string[], label?: string): Promise<void> {
  const prefix = label === undefined ? '' : `${label}: `;
  page.on('pageerror', (e) => errors.push(`${prefix}${e.message}`));
  await page.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => {
    errors.push(`${prefix}request to ${route.request().url()}`);
    return route.abort();
  });
}
