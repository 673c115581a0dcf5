// Real-browser tests of the OAuth login page (GET/POST /oauth/authorize) in Debian's headless Chromium,
// driven by playwright-core. Started by tests/integration/oauth/login_browser.rs, which runs the local server
// and passes its parameters as a JSON file:
//
//   node tests/browser/login.mjs params.json
//
// params: baseUrl, clientId, redirectUri, username, password (the demo user), lockLogin, lockPassword (a
// second user for the lockout scenario: lockout is per account), chromium (the executable), screenshot
// (where to save a phone-sized picture of the page).
//
// Scenarios: login (phone-sized), enter-key, wrong-password, lockout, localised (ja, ko, fr -> en),
// cancel, no-javascript, frame-ancestors. Prints `ok <scenario>` per passed scenario; on the first
// failure prints `FAIL <scenario>: <why>` to stderr and exits 1. Each scenario runs in a fresh browser
// context. Playwright never downloads a browser here: it drives the given executable.

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const params = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const TIMEOUT = 15_000;
const PHONE = { width: 390, height: 844 };

// The page's texts (shared/api/src/oauth/i18n.rs).
const TEXTS = {
  en: { title: 'Sign in', login: 'Username', submit: 'Sign in', cancel: 'Cancel',
    wrong: 'The username or password is incorrect.',
    locked: 'Too many failed attempts. Please wait a few minutes and try again.' },
  ko: { title: '로그인', login: '아이디', submit: '로그인', cancel: '취소',
    wrong: '아이디 또는 비밀번호가 올바르지 않습니다.' },
  ja: { title: 'ログイン', login: 'ユーザー名', submit: 'ログイン', cancel: 'キャンセル',
    wrong: 'ユーザー名またはパスワードが正しくありません。' },
};

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function freshState() {
  return randomBytes(12).toString('base64url');
}

function authorizeUrl(state) {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    state,
  });
  return `${params.baseUrl}/oauth/authorize?${q}`;
}

const callback = new URL(params.redirectUri);
const isCallback = (url) => url.origin === callback.origin && url.pathname === callback.pathname;

const browser = await chromium.launch({
  executablePath: params.chromium,
  headless: true,
  // Playwright gives every launch a fresh temporary user-data-dir of its own.
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
    '--disable-quic',
  ],
  timeout: 60_000,
});

// A fresh context with a phone-sized viewport.
async function newContext(options = {}) {
  const context = await browser.newContext({ viewport: PHONE, ...options });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  return context;
}

// Clicks a submit button that posts the form back to the page, and waits until the new document is
// loaded; returns the response to the POST. Works without JavaScript in the page: it waits on the
// browser's own navigation events.
async function submit(page, selector) {
  const responded = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.request().isNavigationRequest(),
    { timeout: TIMEOUT },
  );
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
    timeout: TIMEOUT,
  });
  await page.locator(selector).click();
  const response = await responded;
  await navigated;
  await page.waitForLoadState('load');
  return response;
}

// Clicks a submit button (or does `act` on `selector`) that must send the browser to the redirect URI,
// and returns the URL it was sent to. Nothing listens at the redirect URI (and Playwright does not route redirected requests), so
// the test observes the browser's top-level request there, which must be the redirect of the form's
// POST (303), rather than loading it.
async function submitToCallback(page, selector, act = (locator) => locator.click()) {
  const requested = page.waitForRequest(
    (r) => isCallback(new URL(r.url())) && r.isNavigationRequest() && r.frame() === page.mainFrame(),
    { timeout: TIMEOUT },
  );
  await act(page.locator(selector));
  const request = await requested;
  const from = request.redirectedFrom();
  check(from, `${request.url()} was not reached through a redirect`);
  const fromUrl = new URL(from.url());
  check(
    from.method() === 'POST' && fromUrl.pathname === '/oauth/authorize',
    `the redirect came from ${from.method()} ${from.url()}, not the form's POST`,
  );
  const response = await from.response();
  check(response && response.status() === 303, `the form's POST answered ${response?.status()}, expected 303`);
  check(request.method() === 'GET', `the browser followed the redirect with ${request.method()}`);
  return new URL(request.url());
}

// A real HTTP server on 127.0.0.1 whose page at `/` frames `target` and a control page of its own.
// Opened as http://localhost:<port>/ it is a different origin from both.
async function framingServer(target) {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (request.url === '/framable') {
      response.end('<!doctype html><p id="framable">framable</p>');
    } else {
      const control = `http://127.0.0.1:${server.address().port}/framable`;
      const escaped = target.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
      response.end(
        `<!doctype html><iframe src="${control}"></iframe><iframe src="${escaped}" width="390" height="600"></iframe>`,
      );
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function open(page, state, expectedStatus = 200) {
  const response = await page.goto(authorizeUrl(state));
  check(response, 'no response for the authorize page');
  check(
    response.status() === expectedStatus,
    `GET /oauth/authorize answered ${response.status()}, expected ${expectedStatus}: ${await response.text()}`,
  );
  return response;
}

async function errorText(page) {
  const error = page.locator('#error');
  check((await error.count()) === 1, `no #error on the page (url ${page.url()})`);
  return (await error.textContent()).trim();
}

function stillOnPage(page) {
  const url = new URL(page.url());
  check(!isCallback(url), `the browser left for the redirect URI: ${page.url()}`);
  check(
    url.origin === new URL(params.baseUrl).origin && url.pathname === '/oauth/authorize',
    `expected to stay on /oauth/authorize, at ${page.url()}`,
  );
  check(!url.searchParams.has('code'), `a code in the URL: ${page.url()}`);
}

function landedWith(url, expected) {
  check(isCallback(url), `expected the redirect URI ${params.redirectUri}, got ${url}`);
  for (const [name, value] of Object.entries(expected)) {
    if (value === true) {
      check(url.searchParams.get(name), `no ${name} in ${url}`);
    } else if (value === false) {
      check(!url.searchParams.has(name), `unexpected ${name} in ${url}`);
    } else {
      check(
        url.searchParams.get(name) === value,
        `${name} is ${JSON.stringify(url.searchParams.get(name))}, expected ${JSON.stringify(value)}`,
      );
    }
  }
  return url;
}

// Logs the demo user in and checks the redirect back with a code and the same state.
async function loginFlow(page) {
  const state = freshState();
  await open(page, state);
  await page.locator('#login').fill(params.username);
  await page.locator('#password').fill(params.password);
  landedWith(await submitToCallback(page, 'button[value=login]'), { code: true, state, error: false });
}

const scenarios = [
  ['login', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await open(page, freshState());
    for (const selector of ['#login', '#password', 'button[value=login]', 'button[value=cancel]']) {
      const element = page.locator(selector);
      check(await element.isVisible(), `${selector} is not visible at 390x844`);
      const box = await element.boundingBox();
      check(
        box && box.x >= 0 && box.x + box.width <= PHONE.width && box.y + box.height <= PHONE.height,
        `${selector} is not inside the 390x844 viewport: ${JSON.stringify(box)}`,
      );
    }
    // Cancel on the left, sign in on the right (the markup has sign in first, for the Enter key).
    const cancelBox = await page.locator('button[value=cancel]').boundingBox();
    const loginBox = await page.locator('button[value=login]').boundingBox();
    check(cancelBox.x < loginBox.x, 'the cancel button is not left of the sign-in button');
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    check(widths.scroll <= widths.client, `the page scrolls horizontally at 390 px: ${JSON.stringify(widths)}`);
    mkdirSync(dirname(params.screenshot), { recursive: true });
    await page.screenshot({ path: params.screenshot });
    await context.close();

    const fresh = await newContext();
    await loginFlow(await fresh.newPage());
    await fresh.close();
  }],

  ['enter-key', async () => {
    // Pressing Enter in the password field submits the form with its default button, the first submit
    // button in tree order: that must be "sign in", not "cancel".
    const context = await newContext();
    const page = await context.newPage();
    const state = freshState();
    await open(page, state);
    await page.locator('#login').fill(params.username);
    await page.locator('#password').fill(params.password);
    landedWith(await submitToCallback(page, '#password', (l) => l.press('Enter')), { code: true, state, error: false });
    await context.close();
  }],

  ['wrong-password', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await open(page, freshState());
    await page.locator('#login').fill(params.username);
    await page.locator('#password').fill('not the password');
    const response = await submit(page, 'button[value=login]');
    check(response.status() === 401, `a wrong password answered ${response.status()}, expected 401`);
    stillOnPage(page);
    const text = await errorText(page);
    check(text === TEXTS.en.wrong, `error reads ${JSON.stringify(text)}, expected ${JSON.stringify(TEXTS.en.wrong)}`);
    check(
      (await page.locator('#login').inputValue()) === params.username,
      'the login is not kept in the form after a failed attempt',
    );
    check((await page.locator('#password').inputValue()) === '', 'the password is echoed back into the form');
    await context.close();
  }],

  ['lockout', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await open(page, freshState());
    const seen = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      await page.locator('#login').fill(params.lockLogin);
      await page.locator('#password').fill(`wrong password ${attempt}`);
      const response = await submit(page, 'button[value=login]');
      stillOnPage(page);
      seen.push(`${response.status()} ${await errorText(page)}`);
    }
    // Five failures lock the account: the fifth reply already says so.
    const expected = [1, 2, 3, 4, 5, 6].map((n) => (n < 5 ? `401 ${TEXTS.en.wrong}` : `429 ${TEXTS.en.locked}`));
    check(
      JSON.stringify(seen) === JSON.stringify(expected),
      `messages after each attempt: ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`,
    );
    await page.locator('#login').fill(params.lockLogin);
    await page.locator('#password').fill(params.lockPassword);
    const response = await submit(page, 'button[value=login]');
    stillOnPage(page);
    const text = await errorText(page);
    check(
      response.status() === 429 && text === TEXTS.en.locked,
      `the right password while locked answered ${response.status()} ${JSON.stringify(text)}`,
    );
    await context.close();
  }],

  ['localised', async () => {
    for (const [accept, lang] of [['ja', 'ja'], ['ko', 'ko'], ['fr', 'en']]) {
      const context = await newContext({ locale: accept, extraHTTPHeaders: { 'Accept-Language': accept } });
      const page = await context.newPage();
      await open(page, freshState());
      const t = TEXTS[lang];
      const htmlLang = await page.locator('html').getAttribute('lang');
      check(htmlLang === lang, `Accept-Language ${accept}: <html lang="${htmlLang}">, expected "${lang}"`);
      check((await page.title()) === t.title, `Accept-Language ${accept}: title ${JSON.stringify(await page.title())}`);
      const label = (await page.locator('label[for=login]').textContent()).trim();
      check(label === t.login, `Accept-Language ${accept}: login label ${JSON.stringify(label)}, expected ${t.login}`);
      const submitText = (await page.locator('button[value=login]').textContent()).trim();
      check(submitText === t.submit, `Accept-Language ${accept}: submit reads ${JSON.stringify(submitText)}`);
      const cancelText = (await page.locator('button[value=cancel]').textContent()).trim();
      check(cancelText === t.cancel, `Accept-Language ${accept}: cancel reads ${JSON.stringify(cancelText)}`);
      if (lang === 'ja') {
        // The form's POST carries the language too: the error comes back in Japanese.
        await page.locator('#login').fill(params.username);
        await page.locator('#password').fill('not the password');
        await submit(page, 'button[value=login]');
        stillOnPage(page);
        const text = await errorText(page);
        check(text === t.wrong, `Accept-Language ja: error reads ${JSON.stringify(text)}`);
        check((await page.locator('html').getAttribute('lang')) === 'ja', 'the page after POST is not in Japanese');
      }
      await context.close();
    }
  }],

  ['cancel', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const state = freshState();
    await open(page, state);
    // The fields are required, but cancel needs none of them (formnovalidate).
    landedWith(await submitToCallback(page, 'button[value=cancel]'), { error: 'access_denied', state, code: false });
    await context.close();
  }],

  ['no-javascript', async () => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await loginFlow(page);
    await context.close();
  }],

  ['frame-ancestors', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const response = await open(page, freshState());
    const headers = response.headers();
    const csp = headers['content-security-policy'] ?? '';
    check(csp.includes("frame-ancestors 'none'"), `Content-Security-Policy lacks frame-ancestors 'none': ${csp}`);
    check((headers['x-frame-options'] ?? '').toUpperCase() === 'DENY', `X-Frame-Options: ${headers['x-frame-options']}`);

    // And the browser really refuses: a page on another loopback origin (a real server, so Chromium's
    // local-network checks do not interfere) frames the login page and, as a control, a page of its own
    // from a third origin. The control loads; the login page is blocked by its response.
    const framer = await framingServer(authorizeUrl(freshState()));
    try {
      const messages = [];
      page.on('console', (m) => messages.push(m.text()));
      const blocked = page.waitForEvent('requestfailed', {
        predicate: (r) => r.url().startsWith(`${params.baseUrl}/oauth/authorize`),
        timeout: TIMEOUT,
      });
      await page.goto(`http://localhost:${framer.port}/`);
      const failed = await blocked;
      const why = failed.failure()?.errorText;
      check(
        why === 'net::ERR_BLOCKED_BY_RESPONSE',
        `the framed login page failed with ${why}, expected net::ERR_BLOCKED_BY_RESPONSE (console: ${messages})`,
      );
      await page.waitForLoadState('load');
      const control = page.frame({ url: (u) => u.pathname === '/framable' });
      check(control && (await control.locator('#framable').count()) === 1, 'the control page did not load in its frame');
      for (const frame of page.frames()) {
        let forms = 0;
        try {
          forms = await frame.locator('#login').count();
        } catch {
          forms = 0; // a blocked frame shows an error page
        }
        check(forms === 0, `the login form rendered inside a frame (at ${frame.url()})`);
      }
    } finally {
      await framer.close();
    }
    await context.close();
  }],
];

let current = '(launch)';
try {
  for (const [name, run] of scenarios) {
    current = name;
    await run();
    console.log(`ok ${name}`);
  }
} catch (error) {
  const why = error instanceof Failure ? error.message : error.stack ?? String(error);
  console.error(`FAIL ${current}: ${why}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
