/**
 * From a disk's context menu with the keyboard alone: the grant wizard takes focus (Enter and typing
 * reach it), the download's progress notification closes when the download ends, and the revoke
 * question offers one Revoke and one dismiss.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator } from 'playwright-core';
import type { SeedDisk } from '../../sandbox/types';
import { check, type Flow, type FlowContext } from '../flow';
import { poll } from '../workbench';
import { expectAccessPanel, GRANT_MENU, panelRow, waitDownloaded } from './grant';
import { description, describesState, revealDisk } from './nav';

/** Runs in the page: whether the focused element is inside the quick input (typed loosely: no DOM lib in the test build). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const focusInQuickInput = () => !!(globalThis as any).document.activeElement?.closest?.('.quick-input-widget');
/** Runs in the page: what has the focus, for the failure message. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const focused = () => { const e = (globalThis as any).document.activeElement; return e ? `${e.tagName}.${String(e.className).slice(0, 80)} "${String(e.getAttribute('aria-label') ?? '').slice(0, 60)}"` : 'nothing'; };

/** Runs in the webview: the contrast ratio of an element's text colour against the page background. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function contrastWithBackground(el: any): number {
    const win = el.ownerDocument.defaultView;
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map(Number);
    const lum = (c: number[]) => {
        const [r, g, b] = c.map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    let bg = 'rgba(0, 0, 0, 0)';
    for (let e = el; e && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); e = e.parentElement) bg = win.getComputedStyle(e).backgroundColor;
    if (/rgba\(0, 0, 0, 0\)|transparent/.test(bg)) bg = win.getComputedStyle(el.ownerDocument.body).backgroundColor;
    const [a, b] = [lum(rgb(win.getComputedStyle(el).color)), lum(rgb(bg))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

export const keyboardFlow: Flow = {
    name: 'keyboard-grant-download',
    async run(ctx) {
        const seed = ctx.seed('web-logs');
        // The runner's user settings say "never"; this flow wants the question. Written first, so the
        // workbench's file watcher has the whole wizard to deliver it; the question after the
        // download is the check that it did (the flow fails without it).
        const settings = path.join(ctx.workspace, '.vscode', 'settings.json');
        fs.mkdirSync(path.dirname(settings), { recursive: true });
        fs.writeFileSync(settings, JSON.stringify({ 'azureDisks.download.revokeAfterDownload': 'ask' }));
        try {
            await grantAndDownload(ctx, seed);
        } finally {
            fs.rmSync(settings, { force: true });
        }
    },
};

async function grantAndDownload(ctx: FlowContext, seed: SeedDisk): Promise<void> {
    const { wb, page } = ctx;
    const row = await revealDisk(ctx, seed);
    // Where the focus goes from the menu click on, for the failure message.
    await page.evaluate(`(() => { const log = []; globalThis.__focusLog = log; let last = ''; const t0 = Date.now(); globalThis.__focusTimer = setInterval(() => { const e = document.activeElement; const d = e ? e.tagName + '.' + String(e.className).split(' ')[0] : 'none'; if (d !== last) { log.push((Date.now() - t0) + 'ms ' + d); last = d; } }, 20); })()`);
    await wb.contextMenu(row, GRANT_MENU);
    await wb.wizardFor(seed.name, /how long/i);
    await poll(() => page.evaluate(focusInQuickInput), 5_000, async () => `the quick pick opened from the context menu did not take the keyboard focus; it is on ${await page.evaluate(focused)}; focus moves: ${await page.evaluate('globalThis.__focusLog.join(" → ")')}`);
    await page.evaluate('clearInterval(globalThis.__focusTimer)');
    await wb.shot('1-wizard-focused');
    // Typing filters the list, Enter accepts: no click on the pick.
    await page.keyboard.type('8 hours');
    await page.keyboard.press('Enter');
    await wb.waitQuickInputClosed(30_000);

    const web = await expectAccessPanel(ctx, ['disk']);
    await downloadAndRevoke(ctx, web, row, seed);
}

async function downloadAndRevoke(ctx: FlowContext, web: FrameLocator, row: Locator, seed: SeedDisk): Promise<void> {
    const { wb, page } = ctx;
    await panelRow(web, 'disk').locator('[data-action="download"]').click();
    await waitDownloaded(web, ['disk']);
    // WCAG AA: the status text against the panel's background, in the theme's colours.
    const ratio = await panelRow(web, 'disk').locator('[data-role="status"]').evaluate(contrastWithBackground);
    check(ratio >= 4.5, `"Downloaded and verified" has a contrast of ${ratio.toFixed(2)}:1 against its background (AA asks 4.5:1)`);

    // The revoke question: one way to revoke, one way to keep (the dialog's own Cancel).
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    const buttons = (await dialog.locator('.monaco-button').allInnerTexts()).map((b) => b.trim()).filter(Boolean);
    const question = (await dialog.innerText()).replace(/\s+/g, ' ');
    await wb.shot('2-revoke-question');
    check([...buttons].sort().join(' | ') === 'Cancel | Revoke access', `the revoke question offers [${buttons.join(', ')}], not one Revoke and the dialog's Cancel`);
    check(/ActiveSAS state: it cannot be attached/.test(question), `the revoke question does not say what access costs the disk: "${question}"`);

    // The download is over: its progress notification (with its live Cancel) is gone.
    const progress = wb.toast(new RegExp(`Downloading ${seed.name}`));
    await poll(async () => (await progress.count()) === 0, 5_000, async () => `the progress notification outlived the download: ${(await wb.toastTexts()).join(' / ')}`);

    await dialog.getByRole('button', { name: 'Revoke access' }).click();
    let after = '';
    await poll(async () => describesState(seed, (after = await description(row))) && after.includes(seed.diskState), 60_000, () => `${seed.name} still reads "${after}" after Revoke access`);
    await wb.shot('3-revoked');
}
