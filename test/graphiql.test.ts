// GraphiQL as a person uses it, in Debian's headless Chromium: the seed flow typed into the page, with the UserSig
// in the Headers tab, and bob's subscription showing alice's targeted message in the result pane. Skips (and says
// why) when no Chromium is installed; .ci/run installs one.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, userSig, type TestGateway } from './helpers/app';
import { until } from './helpers/live';
import { group } from './helpers/ops';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `test/graphiql.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );

const BOB_SUBSCRIPTION = 'subscription { onRecvNewMessage { msgID sender groupID isSelf textElem { text } } }';
const TEXT = 'for bob and carol only';
// A hang guard, not a timing claim: a browser typing through several page loads takes ≈ 15 s alone and more when
// the rest of the suite shares the machine's two cores.
const BROWSER_TIMEOUT_MS = 90_000;

describe.skipIf(!hasChromium)('GraphiQL in a browser', () => {
  let gw: TestGateway;
  let base: string;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    gw = createTestGateway();
    base = `http://127.0.0.1:${await gw.app.start(0, '127.0.0.1')}`;
    await group(gw, 'alice', ['bob', 'carol', 'dave'], 'Work', 'work');
    profile = mkdtempSync(join(tmpdir(), 'im-graphiql-'));
    browser = await chromium.launchPersistentContext(profile, {
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
    // Each page load starts from a clean GraphiQL (no tabs or headers persisted by another user's page).
    await browser.addInitScript(() => localStorage.clear());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await gw?.app.stop();
  });

  /** Opens GraphiQL with `query` in the editor and `user`'s UserSig typed into the Headers tab. */
  async function graphiql(page: Page, query: string, sig: string): Promise<void> {
    await page.goto(`${base}/graphql?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-query-editor .view-lines', { hasText: query.split(/[\s(]/)[0]! }).waitFor();
    await page.click('button[data-name="headers"]');
    await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${sig}` }));
    await page.keyboard.press('Shift+End'); // the editor auto-closed quotes and braces after the cursor: drop them
    await page.keyboard.press('Delete');
  }

  /** Runs the editor's operation; with `expected`, waits for the result pane to show it and returns the pane text. */
  async function run(page: Page, expected: string | RegExp): Promise<string> {
    await page.click('.graphiql-execute-button');
    const pane = page.locator('.graphiql-response .view-lines', { hasText: expected });
    await pane.waitFor({ timeout: 10_000 });
    return (await pane.innerText()).replace(/\u00a0/g, ' ');
  }

  /** For a person to look at: GRAPHIQL_SCREENSHOTS=<dir> keeps PNGs of the panes the test checks. */
  const screenshot = async (page: Page, name: string) => {
    if (process.env.GRAPHIQL_SCREENSHOTS)
      await page.screenshot({ path: join(process.env.GRAPHIQL_SCREENSHOTS, `${name}.png`) });
  };

  const field = (text: string, name: string) => text.match(new RegExp(`"${name}":\\s*"([^"]+)"`))?.[1];

  it(
    "when bob subscribes in one tab and alice runs the seed flow in another, then bob's result pane shows the targeted message and dave's socket never carries it",
    async () => {
      const router = gw.app.services.router;
      const bob = await browser.newPage();
      await graphiql(bob, BOB_SUBSCRIPTION, userSig('bob'));
      await bob.click('.graphiql-execute-button');
      await until(() => router.streamCount('bob') === 1, "bob's subscription to open");

      const dave = await browser.newPage();
      const daveFrames: string[] = [];
      dave.on('websocket', (ws) => ws.on('framereceived', (f) => daveFrames.push(String(f.payload))));
      await graphiql(dave, BOB_SUBSCRIPTION, userSig('dave'));
      await dave.click('.graphiql-execute-button');
      await until(() => router.streamCount('dave') === 1, "dave's subscription to open");

      // The seed's Dart example, step by step in alice's tab: create, target [bob, carol], send to the group.
      const alice = await browser.newPage();
      await graphiql(
        alice,
        `mutation { createTextMessage(text: "${TEXT}") { code desc data { id } } }`,
        userSig('alice'),
      );
      const created = await run(alice, /"id"/);
      expect(created).toMatch(/"code": 0/);
      await graphiql(
        alice,
        `mutation { createTargetedGroupMessage(id: "${field(created, 'id')}", receiverList: ["bob", "carol"]) { code desc data { id } } }`,
        userSig('alice'),
      );
      const targeted = await run(alice, /"id"/);
      expect(targeted).toMatch(/"code": 0/);
      await graphiql(
        alice,
        `mutation { sendMessage(id: "${field(targeted, 'id')}", groupID: "work") { code desc data { msgID status } } }`,
        userSig('alice'),
      );
      const sent = await run(alice, /"msgID"/);
      expect(sent).toMatch(/"code": 0/);
      expect(sent).toMatch(/"status": "V2TIM_MSG_STATUS_SEND_SUCC"/);
      const msgID = field(sent, 'msgID')!;

      const pane = bob.locator('.graphiql-response .view-lines', { hasText: TEXT });
      await pane.waitFor({ timeout: 10_000 });
      const shown = (await pane.innerText()).replace(/\u00a0/g, ' ');
      expect(shown).toContain(`"msgID": "${msgID}"`);
      expect(shown).toMatch(/"sender": "alice"/);
      expect(shown).toMatch(/"isSelf": false/);
      await screenshot(bob, 'bob-receives');

      // dave's subscription is live (a broadcast reaches his pane), and the targeted message never crossed his socket
      await gw.call(
        'alice',
        `mutation { sendMessage(id: "${(await gw.call('alice', 'mutation { createTextMessage(text: "hello everyone") { data { id } } }')).data.id}", groupID: "work") { code } }`,
      );
      await dave.locator('.graphiql-response .view-lines', { hasText: 'hello everyone' }).waitFor({ timeout: 10_000 });
      expect(daveFrames.some((f) => f.includes('hello everyone'))).toBe(true);
      expect(daveFrames.some((f) => f.includes(TEXT) || f.includes(msgID))).toBe(false);
      await Promise.all([bob.close(), dave.close(), alice.close()]);
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    "when the Headers tab holds a bad UserSig, then a subscription shows the 4403 refusal and a query shows 401's imCode",
    async () => {
      const page = await browser.newPage();
      await graphiql(page, BOB_SUBSCRIPTION, 'not-a-usersig');
      expect(await run(page, /4403/)).toMatch(/Authorization/);
      await screenshot(page, 'bad-usersig');
      await graphiql(page, 'query { getTotalUnreadMessageCount { code data } }', 'not-a-usersig');
      expect(await run(page, /imCode/)).toMatch(/"imCode": 6014/);
      await page.close();
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'when a developer opens GraphiQL for the first time, then the seed flow is there as ready tabs, in order',
    async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/graphql`);
      const tabs = page.locator('.graphiql-tab');
      await tabs.first().waitFor();
      expect((await tabs.allInnerTexts()).map((t) => t.trim())).toEqual([
        'CreateGroup',
        'CreateTextMessage',
        'CreateTargetedGroupMessage',
        'SendMessage',
        'OnRecvNewMessage',
        'GetGroupHistoryMessageList',
      ]);
      await page.close();
    },
    BROWSER_TIMEOUT_MS,
  );
});
