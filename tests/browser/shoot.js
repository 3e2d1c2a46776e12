/* Screenshots of the console for the README, from a running API (e.g. the
 * one `make demo` leaves serving):
 *   node tests/browser/shoot.js URL TOKEN OUT_DIR [ORG]
 * Needs puppeteer-core (tests/browser/package.json) and Chromium. */
'use strict';
const puppeteer = require('puppeteer-core');
const path = require('path');

const [base, token, out, org = 'acme'] = process.argv.slice(2);
(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--lang=en-US'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(base + '/', { waitUntil: 'networkidle0' });
  await page.type('#token', token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#orgs tbody tr[data-org]');
  await page.screenshot({ path: path.join(out, 'console-overview.png') });
  await page.goto(base + '/#/org/' + encodeURIComponent(org), { waitUntil: 'networkidle0' });
  await page.waitForSelector('#jobs tbody tr[data-job]');
  await page.screenshot({ path: path.join(out, 'console-org.png'), fullPage: true });
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
