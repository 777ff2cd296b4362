/**
 * The access panel's page under a pseudo-translation of the committed bundle, handed over the way
 * the host does (the shell's data attribute): every text and label it renders, in every state,
 * comes out marked. The page runs in Node on a small stand-in DOM (the Chromium tests in
 * accessPage.test.ts cover the real one), so this runs with the rest of the unit tier.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { buildHtml, L10N_ATTRIBUTE } from '../../src/features/access/htmlShell';
import { pseudoBundle, unmarkedTexts } from './l10nCoverageKit';

const root = path.resolve(__dirname, '..', '..', '..');

class FakeText {
    constructor(public data: string) {}
    get textContent(): string {
        return this.data;
    }
}

/** The part of an element the page's view uses. */
class FakeElement {
    readonly attributes = new Map<string, string>();
    readonly dataset: Record<string, string> = {};
    readonly classes = new Set<string>();
    readonly classList = { toggle: (c: string, on?: boolean) => ((on ?? !this.classes.has(c)) ? this.classes.add(c) : this.classes.delete(c)) };
    childNodes: (FakeElement | FakeText)[] = [];
    hidden = false;
    disabled = false;
    max = 1;
    value = 0;
    private readonly listeners: (() => void)[] = [];
    constructor(readonly tagName: string) {}
    set className(v: string) {
        this.attributes.set('class', v);
    }
    setAttribute(k: string, v: string): void {
        this.attributes.set(k, v);
    }
    removeAttribute(k: string): void {
        this.attributes.delete(k);
    }
    append(...nodes: (FakeElement | FakeText)[]): void {
        this.childNodes.push(...nodes);
    }
    replaceChildren(...nodes: (FakeElement | FakeText)[]): void {
        this.childNodes = nodes;
    }
    addEventListener(_type: string, fn: () => void): void {
        this.listeners.push(fn);
    }
    click(): void {
        for (const fn of this.listeners) fn();
    }
    get childElementCount(): number {
        return this.childNodes.filter((n) => n instanceof FakeElement).length;
    }
    get textContent(): string {
        return this.childNodes.map((n) => n.textContent).join('');
    }
    set textContent(v: string) {
        this.childNodes = [new FakeText(v)];
    }
}

/** Every text node, and the attributes a screen reader or tooltip shows. */
function shownTexts(el: FakeElement): string[] {
    const own = ['title', 'aria-label', 'placeholder', 'alt'].map((a) => el.attributes.get(a)).filter((v): v is string => !!v);
    return [...own, ...el.childNodes.flatMap((n) => (n instanceof FakeText ? [n.data] : shownTexts(n)))];
}

const ID = { diskId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/disks/d1', tenantId: 't' };
const MASKED = 'https://md-1.blob.example/c1/abcd?sv=2018-03-28&sr=b&sig=••••';
const URL_DISK = 'https://md-1.blob.example/c1/abcd?sv=2018-03-28&sr=b&sig=SeCrEt';
/** Data, not words: the disk's and the file's names, the URLs, the file formats. */
const DATA = ['d1.vhd', 'd1', MASKED, URL_DISK, 'VHDX', 'VHD'];

const appRoot = new FakeElement('main');
let dispatch: (m: unknown) => void;
let tick: () => void;

before(async () => {
    // The bundle as the host hands it over: JSON in the shell's attribute, HTML-escaped.
    const html = buildHtml({ cspSource: 'x', nonce: 'n', scriptUri: 's', styleUri: 'c', title: 't', l10nBundle: pseudoBundle() });
    const attr = new RegExp(`${L10N_ATTRIBUTE}="([^"]*)"`).exec(html)?.[1];
    assert.ok(attr, 'the shell carries the bundle');
    appRoot.dataset.l10n = attr.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] as string);

    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'l10n-page-'));
    await build({ entryPoints: [path.join(root, 'src/webview-app/main.ts')], bundle: true, format: 'cjs', platform: 'node', outfile: path.join(out, 'main.js'), loader: { '.css': 'empty' }, logLevel: 'silent' });
    const g = globalThis as Record<string, unknown>;
    g.document = { createElement: (t: string) => new FakeElement(t), createTextNode: (d: string) => new FakeText(d), getElementById: () => appRoot };
    g.window = { addEventListener: (_t: string, fn: (e: { data: unknown }) => void) => (dispatch = (m) => fn({ data: m })) };
    g.acquireVsCodeApi = () => ({ postMessage: () => undefined, getState: () => undefined, setState: () => undefined });
    // The page's countdown: ticked by hand here, so no timer keeps the test alive.
    const setIntervalBefore = globalThis.setInterval;
    g.setInterval = (fn: () => void) => (tick = fn);
    try {
        require(path.join(out, 'main.js'));
    } finally {
        g.setInterval = setIntervalBefore;
        fs.rmSync(out, { recursive: true, force: true });
    }
});

function state(overrides: Record<string, unknown> = {}) {
    return {
        type: 'state',
        id: ID,
        disk: { name: 'd1', kind: 'disk' },
        access: 'Read',
        fileFormat: 'VHD',
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        rows: [
            { blob: 'disk', label: 'Disk', maskedUrl: MASKED, present: true },
            { blob: 'vmgs', label: 'VM guest state', maskedUrl: MASKED, present: true },
            { blob: 'vmmd', label: 'VM metadata', maskedUrl: MASKED, present: true },
        ],
        downloads: [],
        ...overrides,
    };
}

const CHECKS = ['content-length', 'range-md5', 'size', 'vhd-footer', 'vhdx-signature', 'page-ranges', 'sampled-md5'].map((name) => ({ name, passed: true }));

test('every text the access page shows comes from the bundle, in every state', () => {
    const seen: string[] = [];
    const look = () => seen.push(...shownTexts(appRoot));
    const progress = { bytesDone: 50 * 2 ** 20, bytesPlanned: 100 * 2 ** 20, totalSize: 2 ** 30, bytesPerSecond: 25e6 };
    const steps: unknown[] = [
        state(),
        { type: 'downloadStarted', blob: 'disk', fileName: 'd1.vhd' },
        { type: 'downloadStarted', blob: 'vmgs', resumed: true },
        { type: 'progress', blob: 'disk', ...progress, etaSeconds: 2 },
        { type: 'progress', blob: 'vmgs', ...progress, totalSize: progress.bytesPlanned },
        { type: 'revealed', blob: 'disk', url: URL_DISK },
        { type: 'copied', blob: 'vmmd' },
        { type: 'downloadDone', blob: 'disk', checks: CHECKS },
        { type: 'downloadDone', blob: 'vmgs', checks: [{ name: 'size', passed: false }] },
        { type: 'downloadDone', blob: 'vmmd', checks: CHECKS },
        state({ disk: { name: 'd1', kind: 'snapshot' }, access: 'Write', fileFormat: 'VHDX', downloads: [{ blob: 'disk', status: 'failed' }, { blob: 'vmgs', status: 'cancelled' }, { blob: 'vmmd', status: 'done', checks: CHECKS, fileName: 'd1.vhd', resumed: true }] }),
        state({ disk: { name: 'd1', kind: 'diskRestorePoint' }, downloads: [{ blob: 'disk', status: 'done', checks: CHECKS, resumed: true }, { blob: 'vmgs', status: 'done', checks: [{ name: 'page-ranges', passed: false }], fileName: 'd1.vhd' }] }),
        state({ expiresAt: new Date(Date.now() - 1000).toISOString() }),
        { type: 'noGrant', id: ID, disk: { name: 'd1', kind: 'disk' }, reason: 'none' },
        { type: 'noGrant', id: ID, disk: { name: 'd1', kind: 'disk' }, reason: 'reloaded' },
        { type: 'noGrant', id: ID, disk: { name: 'd1', kind: 'disk' }, reason: 'revoked' },
    ];
    for (const m of steps) {
        dispatch(m);
        tick();
        look();
    }
    // The walk reached each kind of text it is meant to check, and found it marked.
    for (const t of ['⟦Downloaded, but verification failed⟧', '⟦Downloaded as d1.vhd, but verification failed⟧', '⟦Download all⟧', '⟦Hide⟧', '⟦Downloading…⟧', '⟦Resuming…⟧', '⟦Download failed.⟧', '⟦Expired⟧', '⟦Disk restore point⟧', '⟦SAS URL copied to the clipboard.⟧', '⟦Access was revoked. The SAS URLs no longer work. This tab closes when access to another disk is granted.⟧']) {
        assert.ok(seen.some((s) => s.includes(t)), t);
    }
    assert.ok(seen.some((s) => s.startsWith('⟦Downloading: ⟦50.0 MiB of 100 MiB written of 1.0 GiB⟧')), 'progress figures inside the marked message');
    assert.ok(seen.some((s) => s.includes('⟦sampled MD5⟧')), 'check names');
    assert.deepEqual(unmarkedTexts(seen, DATA), []);
});

test('the bundle rides in the shell inert: a message cannot open a tag, and reads back whole', () => {
    const hostile = { 'Download all': '"><script>alert(1)</script>', "it's": 'a & b' };
    const html = buildHtml({ cspSource: 'x', nonce: 'n', scriptUri: 's', styleUri: 'c', title: 't', l10nBundle: hostile, lang: 'de' });
    assert.equal(html.match(/<script\b/g)?.length, 1, 'only the nonce script');
    assert.ok(html.includes('<html lang="de">'));
    const attr = new RegExp(`${L10N_ATTRIBUTE}="([^"]*)"`).exec(html)?.[1] ?? '';
    assert.deepEqual(JSON.parse(attr.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] as string)), hostile);
    assert.ok(!buildHtml({ cspSource: 'x', nonce: 'n', scriptUri: 's', styleUri: 'c', title: 't' }).includes(L10N_ATTRIBUTE), 'English: no bundle, no attribute');
});
