/* The admin console in a real headless Chromium, as an admin uses it.
 * Usage: node console.test.js BASE_URL TOKEN RO_TOKEN SHOT_DIR
 * Prints TAP lines ("ok N - ..."/"not ok N - ...") for tests/lib.sh's tally.
 * The daemon, sandbox and data are set up by tests/integration/test_console.sh. */
'use strict';
const puppeteer = require('puppeteer-core');
const fs = require('fs');
const path = require('path');

const [base, token, roToken, shots] = process.argv.slice(2);
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
let n = 0;
let failures = 0;
function ok(cond, what, detail) {
  n++;
  if (cond) console.log(`ok ${n} - ${what}`);
  else { failures++; console.log(`not ok ${n} - ${what}${detail ? ': ' + detail : ''}`); }
}

async function apiGet(p, tok = token) {
  const r = await fetch(base + p, { headers: { Authorization: 'Bearer ' + tok } });
  if (!r.ok) throw new Error(`GET ${p}: HTTP ${r.status}`);
  return r.json();
}
async function apiPost(p, tok = token) {
  const r = await fetch(base + p, { method: 'POST', headers: { Authorization: 'Bearer ' + tok } });
  if (!r.ok) throw new Error(`POST ${p}: HTTP ${r.status} ${await r.text()}`);
  return r.status === 204 ? null : r.json();
}

async function signIn(page, tok) {
  await page.goto(base + '/', { waitUntil: 'networkidle0' });
  await page.waitForSelector('#token', { visible: true });
  /* By keyboard, as a keyboard user would: focus is on the field already. */
  await page.keyboard.type(tok);
  await page.keyboard.press('Enter');
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath: browserPath, headless: true,
    /* --no-sandbox: CI runs as root, where Chromium's sandbox cannot start. */
    args: ['--no-sandbox', '--disable-gpu', '--lang=en-US'],
  });
  const page = await browser.newPage();
  await page.emulateTimezone('America/Chicago');
  await page.setViewport({ width: 1280, height: 800 });
  const consoleErrors = [];
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', e => consoleErrors.push(String(e)));

  /* Security headers on the page itself. */
  const first = await page.goto(base + '/', { waitUntil: 'networkidle0' });
  const hdr = first.headers();
  const csp = hdr['content-security-policy'] || '';
  ok(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp) && /frame-ancestors 'none'/.test(csp),
     'the console is served with a CSP without inline script and frame-ancestors none', csp);
  ok(hdr['x-content-type-options'] === 'nosniff', 'the console is served with nosniff');

  /* A wrong token is refused on the form and nothing is shown. */
  await signIn(page, 'atsb_wrong_token');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
  ok(await page.$eval('#view', e => e.hidden), 'a wrong token shows no data');
  ok(!page.url().includes('atsb_'), 'the token never appears in the URL');
  consoleErrors.length = 0; /* the refused token's 401 is expected */

  /* The overview against the API's own numbers. */
  await page.evaluate(() => { document.getElementById('token').value = ''; });
  await page.type('#token', token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#orgs tbody tr[data-org]');
  ok(!page.url().includes(token), 'the token is not in the URL after sign-in');
  const apiOrgs = await apiGet('/v1/orgs?limit=50&totals=1');
  const shown = await page.$$eval('#orgs tbody tr[data-org]', rows => rows.map(r => ({
    slug: r.dataset.org,
    cells: [...r.querySelectorAll('td')].map(td => td.textContent.trim()),
  })));
  ok(shown.length === apiOrgs.items.length, 'the overview lists every organisation the API lists',
     `${shown.length} vs ${apiOrgs.items.length}`);
  let same = true;
  const detail = [];
  for (const o of apiOrgs.items) {
    const row = shown.find(r => r.slug === o.slug);
    if (!row) { same = false; detail.push(o.slug + ' missing'); continue; }
    const want = [o.jobs.active, o.jobs.disabled, o.jobs.archived, o.outbox.pending, o.outbox.dead].map(String);
    const got = row.cells.slice(5, 10);
    if (JSON.stringify(want) !== JSON.stringify(got)) { same = false; detail.push(`${o.slug}: ${got} != ${want}`); }
  }
  ok(same, 'every row shows the API\'s job and outbox numbers', detail.join('; '));
  const tile = await page.$eval('#total-orgs b', e => e.textContent);
  ok(tile === String(apiOrgs.totals.orgs), 'the organisations tile matches the API total', `${tile} vs ${apiOrgs.totals.orgs}`);
  const times = await page.$$eval('#orgs time', ts => ts.map(t => t.title));
  ok(times.length > 0 && times.every(t => /UTC/.test(t)), 'times carry the UTC instant on hover');
  await page.screenshot({ path: path.join(shots, 'overview.png'), fullPage: true });

  /* Search narrows the list on the server. */
  await page.type('#q', 'acme');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash.includes('q=acme'));
  await page.waitForFunction(() => document.querySelectorAll('#orgs tbody tr[data-org]').length === 1);
  ok(true, 'searching for acme leaves one organisation');

  /* The org page: health, runs chart, jobs; activate one by clicking. */
  await page.click('#orgs tbody tr[data-org="acme"] a');
  await page.waitForSelector('#jobs tbody tr[data-job]');
  ok(await page.$('#runs-chart svg rect') !== null, 'the org page draws the last runs');
  const disabled = await page.$eval('#jobs', t => {
    const b = t.querySelector('button[data-action="activate"]');
    return b ? b.closest('tr').dataset.job : null;
  });
  ok(disabled !== null, 'a disabled job offers an Activate button');
  if (disabled) {
    await page.click(`#jobs tr[data-job="${disabled}"] button[data-action="activate"]`);
    await page.waitForSelector(`#jobs tr[data-job="${disabled}"] button[data-action="deactivate"]`);
    const job = await apiGet(`/v1/orgs/acme/jobs/${encodeURIComponent(disabled)}`);
    ok(job.state === 'active', `clicking Activate activated job ${disabled} (API says ${job.state})`);
  }

  /* A dead letter: retried by clicking. */
  const deadBefore = await apiGet('/v1/orgs/acme/outbox?state=dead');
  ok(deadBefore.items.length > 0, 'the set-up left a dead letter to retry');
  const deadRow = await page.$('#outbox-dead tr[data-push] button[data-action="retry"]');
  ok(deadRow !== null, 'the dead letter is shown with a Retry button');
  if (deadRow && deadBefore.items.length) {
    const id = deadBefore.items[0].id;
    await page.click(`#outbox-dead tr[data-push="${id}"] button[data-action="retry"]`);
    await page.waitForFunction(i => !document.querySelector(`#outbox-dead tr[data-push="${i}"]`), {}, String(id));
    const after = await apiGet('/v1/orgs/acme/outbox?state=dead');
    ok(!after.items.some(p => String(p.id) === String(id)), 'clicking Retry took the push out of the dead letters');
  }
  const heldText = await page.$eval('#outbox-held', t => t.textContent);
  ok(/Hal Held/.test(heldText) && /disabled/.test(heldText), 'held candidates are shown with the reason', heldText);
  const lastError = await page.$eval('#health #last-error', e => e.textContent);
  ok(typeof lastError === 'string', 'the connection health shows the last error field');
  await page.screenshot({ path: path.join(shots, 'org.png'), fullPage: true });

  /* The live feed shows an event that happens while it is open. */
  await page.goto(base + '/#/feed', { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => /Live/.test(document.getElementById('feed-state')?.textContent || ''));
  const before = await page.$$eval('#feed li', l => l.length);
  const other = (await apiGet('/v1/orgs/acme/jobs?state=disabled&limit=1')).items[0];
  if (other) {
    await apiPost(`/v1/orgs/acme/jobs/${encodeURIComponent(other.id)}/activate`);
    await page.waitForFunction(b => document.querySelectorAll('#feed li').length > b, { timeout: 15000 }, before);
    const top = await page.$eval('#feed li', li => li.textContent);
    ok(/activated|job\./.test(top), 'the live feed shows the activation without a reload', top);
  } else ok(false, 'a second disabled job exists for the feed test');
  await page.screenshot({ path: path.join(shots, 'feed.png'), fullPage: true });

  /* Phone width: the overview stays usable (no horizontal page scroll). */
  await page.setViewport({ width: 390, height: 844, isMobile: true });
  await page.goto(base + '/#/', { waitUntil: 'networkidle0' });
  await page.waitForSelector('#orgs tbody tr[data-org]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  ok(overflow <= 1, 'the overview fits a phone width', `${overflow}px too wide`);
  await page.screenshot({ path: path.join(shots, 'overview-phone.png'), fullPage: true });

  /* Read-only: the same data, no buttons. */
  await page.evaluate(() => sessionStorage.clear());
  const ro = await browser.newPage();
  await ro.setViewport({ width: 1280, height: 800 });
  await signIn(ro, roToken);
  await ro.waitForSelector('#orgs tbody tr[data-org]');
  await ro.click('#orgs tbody tr[data-org="acme"] a');
  await ro.waitForSelector('#jobs tbody tr[data-job]');
  ok((await ro.$$('#view button')).length === 0, 'a read-only token sees no buttons');

  /* Sign out clears the session. */
  await ro.click('#logout');
  ok(await ro.evaluate(() => sessionStorage.length === 0), 'signing out forgets the token');

  ok(consoleErrors.length === 0, 'no script or CSP errors in the browser console', consoleErrors.join(' | '));
  await browser.close();
  console.log(`1..${n}`);
  process.exit(failures ? 1 : 0);
}

main().catch(e => {
  console.log(`not ok ${n + 1} - the browser test ran to the end: ${e.stack || e}`);
  process.exit(1);
});
