/**
 * The access panel page in headless Chromium under the panel's own CSP: the ready handshake,
 * rendering, buttons → messages, reveal/hide, progress, results, forged messages, persisted state.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildHtml } from '../../src/features/access/htmlShell';
import { waitUntil } from './support';

const root = path.resolve(__dirname, '..', '..', '..');
const ID = { diskId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d1', tenantId: 't' };
const SIG = 'SeCrEtSiGvAlUe';
const URL_DISK = `https://md-1.blob.example/c1/abcd?sv=2018-03-28&sr=b&sig=${SIG}&se=2099-01-01T00%3A00%3A00Z&sp=r`;

/** A few messages in another language, one with the characters the attribute must escape. */
const TRANSLATED = { 'Download all': 'Alle herunterladen', 'Revoke access': 'Zugriff "widerrufen" <&>', '{0} left': 'noch {0}' };

let browser: Browser;
let server: http.Server;
let base: string;
const violations: string[] = [];

before(async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'access-page-'));
    await build({ entryPoints: [path.join(root, 'src/webview-app/main.ts')], bundle: true, format: 'iife', platform: 'browser', outdir: out, logLevel: 'silent' });
    server = http.createServer((req, res) => {
        const name = (req.url ?? '/').split('?')[0];
        if (name === '/') {
            res.setHeader('content-type', 'text/html');
            // `/?l10n`: the page as a non-English VS Code shows it, with the bundle on its root.
            const l10nBundle = (req.url ?? '').endsWith('?l10n') ? TRANSLATED : undefined;
            res.end(buildHtml({ cspSource: base, nonce: 'bm9uY2U0dGVzdA==', scriptUri: `${base}/main.js`, styleUri: `${base}/main.css`, title: 'Access: d1', l10nBundle, lang: l10nBundle ? 'de' : undefined }));
            return;
        }
        const file = path.join(out, path.basename(name));
        if (!fs.existsSync(file)) {
            res.statusCode = 404;
            res.end();
            return;
        }
        res.setHeader('content-type', file.endsWith('.js') ? 'text/javascript' : 'text/css');
        res.end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
});

after(async () => {
    await browser?.close();
    server?.close();
});

async function openPage(query = ''): Promise<Page> {
    const page = await browser.newPage();
    page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
        const w = globalThis as unknown as { __sent: unknown[]; __state: unknown[]; acquireVsCodeApi: () => unknown };
        w.__sent = [];
        w.__state = [];
        w.acquireVsCodeApi = () => ({
            postMessage: (m: unknown) => w.__sent.push(m),
            getState: () => undefined,
            setState: (s: unknown) => w.__state.push(s),
        });
    });
    await page.goto(`${base}/${query}`);
    return page;
}

const sent = (page: Page) => page.evaluate(() => (globalThis as unknown as { __sent: { type: string }[] }).__sent);
const post = (page: Page, m: unknown) => page.evaluate((msg) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(msg, '*'), m);

function state(overrides: Record<string, unknown> = {}) {
    return {
        type: 'state',
        id: ID,
        disk: { name: 'd1', kind: 'disk' },
        access: 'Read',
        fileFormat: 'VHD',
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        rows: [
            { blob: 'disk', label: 'Disk', maskedUrl: 'https://md-1.blob.example/c1/abcd?sv=2018-03-28&sr=b&sig=••••&se=2099-01-01T00%3A00%3A00Z&sp=r', present: true },
            { blob: 'vmgs', label: 'VM guest state', maskedUrl: 'https://md-1.blob.example/c2/abcd_vmgs?sig=••••', present: true },
            { blob: 'vmmd', label: 'VM metadata', maskedUrl: '', present: false },
        ],
        downloads: [],
        ...overrides,
    };
}

test('handshake first, then rows with masked URLs and the expected buttons', async () => {
    const page = await openPage();
    await page.waitForFunction(() => (globalThis as unknown as { __sent: unknown[] }).__sent.length > 0);
    assert.deepEqual(await sent(page), [{ type: 'ready' }]);
    await post(page, state());
    const disk = page.locator('[data-blob="disk"]');
    await disk.waitFor();
    assert.equal(await page.locator('[data-blob]').count(), 2);
    assert.equal(await page.locator('[data-blob="vmmd"]').count(), 0);
    assert.match(await disk.textContent() ?? '', /Disk/);
    assert.match(await page.locator('[data-blob="vmgs"]').textContent() ?? '', /VM guest state/);
    assert.match(await disk.locator('[data-role="url"]').textContent() ?? '', /sig=••••/);
    for (const name of ['Reveal', 'Copy', 'Download']) assert.equal(await disk.getByRole('button', { name, exact: true }).count(), 1, name);
    assert.equal(await disk.locator('progress').count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Download all', exact: true }).isVisible(), true);
    assert.equal(await page.getByRole('button', { name: 'Revoke access', exact: true }).isVisible(), true);
    assert.equal(await page.getByRole('button', { name: 'Grant again', exact: true }).isVisible(), false);
    assert.match(await page.locator('[data-role="expiry"]').textContent() ?? '', /left/);
    const persisted = await page.evaluate(() => (globalThis as unknown as { __state: unknown[] }).__state);
    assert.deepEqual(persisted.at(-1), ID);
    await page.close();
});

test('buttons send typed messages; reveal shows the URL only after the host sends it, hide masks it again', async () => {
    const page = await openPage();
    await post(page, state());
    const disk = page.locator('[data-blob="disk"]');
    await disk.waitFor();
    await disk.getByRole('button', { name: 'Reveal', exact: true }).click();
    await disk.getByRole('button', { name: 'Copy', exact: true }).click();
    await disk.getByRole('button', { name: 'Download', exact: true }).click();
    await page.getByRole('button', { name: 'Download all', exact: true }).click();
    await page.getByRole('button', { name: 'Revoke access', exact: true }).click();
    const msgs = (await sent(page)).slice(1);
    assert.deepEqual(msgs, [
        { type: 'reveal', blob: 'disk' },
        { type: 'copy', blob: 'disk' },
        { type: 'download', blobs: ['disk'] },
        { type: 'download', blobs: ['disk', 'vmgs'] },
        { type: 'revoke' },
    ]);
    assert.ok(!((await disk.locator('[data-role="url"]').textContent()) ?? '').includes(SIG));
    await post(page, { type: 'revealed', blob: 'disk', url: URL_DISK });
    await disk.getByRole('button', { name: 'Hide', exact: true }).waitFor();
    assert.equal(await disk.locator('[data-role="url"]').textContent(), URL_DISK);
    await disk.getByRole('button', { name: 'Hide', exact: true }).click();
    assert.ok(!((await disk.locator('[data-role="url"]').textContent()) ?? '').includes(SIG));
    assert.deepEqual((await sent(page)).at(-1), { type: 'hide', blob: 'disk' });
    const persisted = JSON.stringify(await page.evaluate(() => (globalThis as unknown as { __state: unknown[] }).__state));
    assert.ok(!persisted.includes(SIG) && !persisted.includes('sig='));
    await page.close();
});

test('progress, cancel and the verified result', async () => {
    const page = await openPage();
    await post(page, state());
    const disk = page.locator('[data-blob="disk"]');
    await disk.waitFor();
    await post(page, { type: 'downloadStarted', blob: 'disk', fileName: 'd1.vhd' });
    await post(page, { type: 'progress', blob: 'disk', bytesDone: 50 * 2 ** 20, bytesPlanned: 100 * 2 ** 20, totalSize: 2 ** 30, bytesPerSecond: 25e6, etaSeconds: 2 });
    await disk.getByRole('button', { name: 'Cancel', exact: true }).waitFor();
    const status = disk.locator('[data-role="status"]');
    // One unit system (binary): the written part against the disk size, and MiB/s (25e6 B/s).
    assert.match((await status.textContent()) ?? '', /^Downloading: 50\.0 MiB of 100 MiB written of 1\.0 GiB · 23\.8 MiB\/s · 2s left/);
    assert.equal(await disk.locator('progress').evaluate((p) => (p as unknown as { value: number }).value / (p as unknown as { max: number }).max), 0.5);
    assert.equal(await disk.getByRole('button', { name: 'Download', exact: true }).isDisabled(), true);
    await disk.getByRole('button', { name: 'Cancel', exact: true }).click();
    assert.deepEqual((await sent(page)).at(-1), { type: 'cancelDownload', blob: 'disk' });
    await post(page, { type: 'downloadDone', blob: 'disk', checks: [{ name: 'size', passed: true }, { name: 'vhd-footer', passed: true }] });
    await disk.getByText('Downloaded and verified').waitFor();
    assert.equal(await disk.locator('[data-check]').count(), 2);
    assert.equal(await disk.getByRole('button', { name: 'Cancel', exact: true }).isVisible(), false);
    await post(page, { type: 'downloadStarted', blob: 'vmgs', resumed: true });
    await page.locator('[data-blob="vmgs"]').getByText('Resuming…').waitFor();
    await post(page, { type: 'downloadFailed', blob: 'vmgs', message: 'Download cancelled. It can be resumed.', cancelled: true });
    await page.locator('[data-blob="vmgs"]').getByText('can be resumed').waitFor();
    await page.close();
});

test('forged or malformed messages change nothing', async () => {
    const page = await openPage();
    const ignored: string[] = [];
    page.on('console', (m) => {
        if (/ignored a malformed/.test(m.text())) ignored.push(m.text());
    });
    await post(page, state());
    const url = page.locator('[data-blob="disk"] [data-role="url"]');
    await url.waitFor();
    const before = await url.textContent();
    await post(page, { type: 'revealed', blob: 'disk', url: 'javascript:alert(1)' });
    await post(page, { type: 'revealed', blob: 'os', url: URL_DISK });
    await post(page, { type: 'state', rows: 'x' });
    await post(page, 'revealed');
    // Each one is refused with a warning: once all four are in, all four were handled.
    await waitUntil(async () => ignored.length >= 4, 'four refusals');
    assert.deepEqual(ignored, [
        "Access panel page: ignored a malformed message of type 'revealed'.",
        "Access panel page: ignored a malformed message of type 'revealed'.",
        "Access panel page: ignored a malformed message of type 'state'.",
        'Access panel page: ignored a malformed message (string).',
    ]);
    assert.equal(await url.textContent(), before);
    assert.equal(await page.locator('[data-blob]').count(), 2);
    await page.close();
});

test('an expired grant says so and offers Grant again; no grant offers Grant again', async () => {
    const page = await openPage();
    await post(page, state({ expiresAt: new Date(Date.now() - 1000).toISOString() }));
    const disk = page.locator('[data-blob="disk"]');
    await disk.waitFor();
    assert.equal(await page.locator('[data-role="expiry"]').textContent(), 'Expired');
    assert.equal(await disk.getByRole('button', { name: 'Download', exact: true }).isDisabled(), true);
    assert.match((await disk.locator('[data-role="status"]').textContent()) ?? '', /expired/i);
    const again = page.getByRole('button', { name: 'Grant again', exact: true });
    assert.equal(await again.isVisible(), true);
    await again.click();
    assert.deepEqual((await sent(page)).at(-1), { type: 'grantAgain' });
    await post(page, { type: 'noGrant', id: ID, disk: { name: 'd1', kind: 'disk' }, reason: 'reloaded' });
    await page.locator('[data-state="no-grant"]').waitFor();
    assert.equal(await page.locator('[data-blob]').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Grant again', exact: true }).isVisible(), true);
    await page.close();
});

test('the page runs under the strict CSP without violations, and a violation would be seen', async () => {
    const page = await openPage();
    const mine: string[] = [];
    page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) mine.push(m.text());
    });
    await page.waitForFunction(() => (globalThis as unknown as { __sent: unknown[] }).__sent.length > 0);
    await post(page, state());
    await page.locator('[data-blob="disk"]').waitFor();
    assert.deepEqual(mine, [], 'rendering a grant breaks no CSP rule');
    // Every page the other tests opened, too (taken before the deliberate violation below).
    assert.deepEqual([...violations], []);
    // The control: an inline script without the nonce is refused, and the refusal reaches us.
    await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { createElement(t: string): { textContent: string }; body: { appendChild(n: unknown): void } } }).document;
        const s = doc.createElement('script');
        s.textContent = '(globalThis).__inlineRan = true;';
        doc.body.appendChild(s);
    });
    await waitUntil(async () => mine.length > 0, 'the CSP refusal of an inline script');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __inlineRan?: boolean }).__inlineRan), undefined);
    await page.close();
});

test('the page shows the bundle the host puts on its root, under the same CSP', async () => {
    const page = await openPage('?l10n');
    const refused: string[] = [];
    page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
    await post(page, state());
    await page.locator('[data-blob="disk"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Alle herunterladen', exact: true }).isVisible(), true);
    assert.equal(await page.getByRole('button', { name: 'Zugriff "widerrufen" <&>', exact: true }).isVisible(), true);
    assert.match((await page.locator('[data-role="expiry"]').textContent()) ?? '', /^noch \d/);
    // What the bundle lacks stays English; the document says which language it is in.
    assert.equal(await page.locator('[data-blob="disk"]').getByRole('button', { name: 'Reveal', exact: true }).count(), 1);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang), 'de');
    assert.deepEqual(refused, []);
    await page.close();
});
