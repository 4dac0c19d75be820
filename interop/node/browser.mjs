// browser.mjs drives headless Chromium (Debian's, through playwright-core) for the interop suite.
//
//   node browser.mjs pages '<JSON array of page URLs>'
//     Opens each URL (interop/browser/page.html?ws=…&deflate=…) in a new page of one browser,
//     in turn, and prints one JSON line per URL: the page's result line with "url" set to the
//     page URL as given (the Go test matches lines by it) and the page's ws:// URL moved to
//     "ws". Console errors and page errors go to stderr. Exit 1 if any result has failures or
//     any page timed out.
//
//   node browser.mjs chat <http URL of examples/chat> <out.png>
//     Opens the chat page twice side by side (two iframes in one page, so one screenshot shows
//     both), sends a line from the left one and a reply from the right one, checks each line
//     reaches both, screenshots both to out.png and prints {"ok", "failures", "screenshot"}.
//     Exit 1 on failure.
//
// Chromium is $CHROMIUM or /usr/bin/chromium; --no-sandbox because the suite runs as root.
import { chromium } from 'playwright-core';

const PAGE_TIMEOUT = 60_000; // page.html gives itself 30 s; this covers loading and a hung page
const CHAT_TIMEOUT = 30_000; // every wait in the chat run

function usage() {
  console.error("usage: node browser.mjs pages '<JSON array of page URLs>'\n" +
    '       node browser.mjs chat <http URL of the chat example> <out.png>');
  process.exit(2);
}

// forward sends a page's console errors and uncaught exceptions to stderr, tagged with name.
function forward(page, name) {
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`${name}: console error: ${m.text()}`);
  });
  page.on('pageerror', (err) => console.error(`${name}: page error: ${err.message}`));
}

async function runPages(browser, urls) {
  let failed = false;
  for (const url of urls) {
    const page = await browser.newPage();
    forward(page, url);
    let line;
    try {
      const deadline = Date.now() + PAGE_TIMEOUT;
      const res = await page.goto(url, { timeout: PAGE_TIMEOUT });
      if (res && !res.ok()) throw new Error(`HTTP ${res.status()}`);
      await page.waitForFunction(() => document.title === 'done', null,
        { timeout: Math.max(1, deadline - Date.now()) });
      const result = JSON.parse(await page.textContent('#result'));
      line = { ...result, url, ws: result.url };
    } catch (err) {
      // No result from the page: a line of the same shape with the failure naming the URL.
      let ws = '';
      try { ws = new URL(url).searchParams.get('ws') ?? ''; } catch {}
      line = {
        url, ws, variant: 'browser', extensions: '', notes: [], close: null, wasClean: false,
        failures: [`page ${url}: no result: ${err.message.split('\n')[0]}`],
      };
    }
    await page.close();
    if (line.failures.length) failed = true;
    console.log(JSON.stringify(line));
  }
  return !failed;
}

// chatLines are the #log lines of a chat frame, as the frame shows them.
const chatLines = (frame) => frame.$$eval('#log div', (ds) => ds.map((d) => d.textContent));

async function runChat(browser, chatURL, out) {
  const failures = [];
  // Wide enough for two chat pages next to each other.
  const page = await browser.newPage({ viewport: { width: 1320, height: 548 } });
  forward(page, 'chat');
  let step = 'load';
  try {
    // The page holding both iframes is served (by playwright, not the chat server) from the
    // chat's own origin: Chromium blocks autofocus in cross-origin iframes and logs an error.
    const outer = new URL('/two-chat-pages.html', chatURL).href;
    const src = chatURL.replace(/&/g, '&amp;').replace(/"/g, '&quot;'); // for src="…"
    await page.route(outer, (route) => route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><meta charset="utf-8"><title>bronco chat, two pages</title>
<style>body{margin:0;padding:8px;display:flex;gap:12px;background:#eee;font:14px system-ui}
figure{margin:0}figcaption{padding:2px 0 4px}iframe{width:640px;height:500px;border:1px solid #999;background:#fff}</style>
<figure><figcaption>page A</figcaption><iframe id="a" src="${src}"></iframe></figure>
<figure><figcaption>page B</figcaption><iframe id="b" src="${src}"></iframe></figure>`,
    }));
    await page.goto(outer, { timeout: CHAT_TIMEOUT });
    const a = await (await page.$('#a')).contentFrame();
    const b = await (await page.$('#b')).contentFrame();

    // has waits until frame's #log holds exactly the line text.
    const has = (frame, text) => frame.waitForFunction(
      (t) => [...document.querySelectorAll('#log div')].some((d) => d.textContent === t),
      text, { timeout: CHAT_TIMEOUT });
    // send types text into frame's input and submits the form, as a user would with Enter.
    const send = async (frame, text) => {
      await frame.fill('#m', text, { timeout: CHAT_TIMEOUT });
      await frame.press('#m', 'Enter', { timeout: CHAT_TIMEOUT });
    };

    // The server greets each member once it has joined the room: wait for both greetings, so
    // that B is in the room before A speaks.
    step = 'join (waiting for "welcome" in both pages)';
    await Promise.all([has(a, 'welcome'), has(b, 'welcome')]);

    const hello = 'hello from page A ✓';
    step = `"${hello}" from A reaching A and B`;
    await send(a, hello);
    await Promise.all([has(a, hello), has(b, hello)]);

    const reply = 'hello back from page B ✓';
    step = `"${reply}" from B reaching A and B`;
    await send(b, reply);
    await Promise.all([has(a, reply), has(b, reply)]);

    // Both logs must read the same, in the same order, with no "closed (…)" line.
    step = 'compare logs';
    const [la, lb] = [await chatLines(a), await chatLines(b)];
    const want = ['welcome', hello, reply];
    for (const [name, got] of [['A', la], ['B', lb]]) {
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        failures.push(`page ${name}: log is ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      }
    }
  } catch (err) {
    failures.push(`${step}: ${err.message.split('\n')[0]}`);
  }
  // The screenshot is taken on failure too: it shows how far the pages got.
  try {
    await page.screenshot({ path: out, timeout: CHAT_TIMEOUT });
  } catch (err) {
    failures.push(`screenshot: ${err.message.split('\n')[0]}`);
  }
  await page.close();
  console.log(JSON.stringify({ ok: failures.length === 0, failures, screenshot: out }));
  return failures.length === 0;
}

const [mode, ...args] = process.argv.slice(2);
let urls;
if (mode === 'pages' && args.length === 1) {
  try { urls = JSON.parse(args[0]); } catch { usage(); }
  if (!Array.isArray(urls)) usage();
} else if (!(mode === 'chat' && args.length === 2)) {
  usage();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // The h2 servers' certificate is the test's own, for 127.0.0.1 only.
  args: ['--no-sandbox', '--ignore-certificate-errors'],
});
let ok = false;
try {
  ok = mode === 'pages' ? await runPages(browser, urls) : await runChat(browser, args[0], args[1]);
} catch (err) {
  console.error(`browser.mjs: ${err.stack || err}`);
} finally {
  await browser.close(); // never leave Chromium running
}
process.exit(ok ? 0 : 1);
