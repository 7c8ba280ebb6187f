// The /demo chat page in Debian's headless Chromium, one browser context per user: alice sends a targeted
// message to bob and then one to everyone; bob sees both, dave only the second. Saves docs/demo.png (shown in the
// README). Skips the browser part (and says why) when no Chromium is installed; .ci/run installs one.
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app';
import { issueUserSig } from '../src/auth/usersig';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createTestGateway } from './helpers/app';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `test/demo.test.ts: browser part skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
const BROWSER_TIMEOUT_MS = 90_000; // a hang guard, not a timing claim (see test/graphiql.test.ts)

describe('/demo switch', () => {
  it('when the gateway runs with a real IM_SECRET_KEY, then there is no /demo and no UserSig is issued', async () => {
    const gw = createTestGateway(); // the test key, not the dev one
    const port = await gw.app.start(0, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${port}/demo`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/demo/usersig?userID=alice`)).status).toBe(404);
    } finally {
      await gw.app.stop();
    }
  });
});

describe.skipIf(!hasChromium)('/demo in a browser', () => {
  let app: App;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    // The dev credentials (IM_SECRET_KEY unset) switch the demo on.
    const config = loadConfig({ DATABASE_URL: ':memory:', LOG_LEVEL: 'silent' });
    app = createApp({ config, logger: createLogger('silent') });
    base = `http://127.0.0.1:${await app.start(0, '127.0.0.1')}`;
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${issueUserSig('alice', config.sdkAppId, config.secretKey)}`,
      },
      body: JSON.stringify({
        query:
          'mutation { createGroup(groupType: "Work", groupName: "Team", groupID: "team", memberList: [{ userID: "bob" }, { userID: "carol" }, { userID: "dave" }]) { code } }',
      }),
    });
    expect(await res.json()).toEqual({ data: { createGroup: { code: 0 } } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  /** A fresh browser context logged in to the demo as `userID`, with the group open. */
  async function login(userID: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 900, height: 520 } });
    const page = await context.newPage();
    await page.goto(`${base}/demo`);
    await page.fill('#userID', userID);
    await page.click('#login button');
    await page.locator('#compose').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('#status', { hasText: 'connected' }).waitFor();
    return page;
  }

  async function say(page: Page, text: string, receivers: string[]) {
    for (const box of await page.locator('input[name=receiver]').all())
      await box.setChecked(receivers.includes((await box.getAttribute('value')) ?? ''));
    await page.fill('#text', text);
    await page.click('#compose button');
    await page.locator('#messages li', { hasText: text }).waitFor();
  }

  it(
    'when alice sends a targeted message to bob, then bob sees it, dave never does, and both see the next one to everyone',
    async () => {
      const [alice, bob, dave] = [await login('alice'), await login('bob'), await login('dave')];
      await say(alice, 'for bob only', ['bob']);
      await say(alice, 'hello everyone', []);

      await bob.locator('#messages li', { hasText: 'for bob only' }).waitFor();
      await bob.locator('#messages li', { hasText: 'hello everyone' }).waitFor();
      await dave.locator('#messages li', { hasText: 'hello everyone' }).waitFor();
      expect(await dave.locator('#messages li .text').allTextContents()).toEqual(['hello everyone']);
      expect(await bob.locator('#messages li .text').allTextContents()).toEqual(['for bob only', 'hello everyone']);
      // The sender sees whom it went to; the receiver is not told who else got it.
      await alice
        .locator('#messages li', { hasText: 'for bob only' })
        .locator('.targeted', { hasText: 'only for bob' })
        .waitFor();
      expect(await bob.locator('.targeted').count()).toBe(0);

      // A reload of dave's page reads history: still nothing of it.
      await dave.reload();
      await dave.fill('#userID', 'dave');
      await dave.click('#login button');
      await dave.locator('#messages li', { hasText: 'hello everyone' }).waitFor();
      expect(await dave.locator('#messages li .text').allTextContents()).toEqual(['hello everyone']);

      await say(bob, 'thanks alice', []);
      await alice.locator('#messages li', { hasText: 'thanks alice' }).waitFor();
      mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
      await alice.screenshot({ path: new URL('../docs/demo.png', import.meta.url).pathname });
    },
    BROWSER_TIMEOUT_MS,
  );
});
