/**
 * The progress notification's own Cancel button stops the download (the row says cancelled, the
 * notification goes away, the partial stays). The UI tier runs with revokeOnCancel = never, so no
 * revoke question comes between. (A real page reload mid-download is not checked here: in
 * code-server the old window's extension host can live on after the reload and finish the
 * download itself, clearing the resume record before the new window offers it.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, type Flow } from '../flow';
import { poll } from '../workbench';
import { panelRow } from './grant';
import { downloadPath, revealDisk } from './nav';

const DOWNLOAD_MENU = /^(Azure Disks: )?Download/;

export const reloadFlow: Flow = {
    name: 'notification-cancel',
    async run(ctx) {
        const { wb, page, control } = ctx;
        const seed = ctx.seed('big-data');
        const blob = seed.blobs.disk;
        const file = downloadPath(ctx, seed, '', 'vhd');
        // An earlier flow may have downloaded this disk: start from nothing.
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
        const slow = () => control.storageFault({ blob: `${blob.container}/${blob.blob}$`, action: 'delay', delayMs: 1500, count: 100_000 });
        const progressed = async (fraction: number) => {
            const web = wb.webview();
            const bar = panelRow(web, 'disk').locator('progress');
            await poll(async () => {
                const [value, max] = await Promise.all([bar.getAttribute('value'), bar.getAttribute('max')]);
                return Number(max) > 100 && Number(value) >= Number(max) * fraction;
            }, 90_000, async () => `no progress on ${seed.name}: ${(await wb.toastTexts()).join(' | ')}`, 100);
        };

        await slow();
        try {
            // 1. Download from the tree (the grant wizard runs first when there is no live grant).
            const row = await revealDisk(ctx, seed);
            await wb.contextMenu(row, DOWNLOAD_MENU);
            if (await page.locator('.quick-input-widget').isVisible().catch(() => false)) {
                await wb.wizardFor(seed.name);
                await wb.pick(/^Read/, /access/i).catch(() => undefined);
                await wb.pick(/^1 hour/, /duration|how long|expire/i);
            }
            await progressed(0.05);
            const toast = wb.toast(`Downloading ${seed.name}`);
            await toast.waitFor({ timeout: 15_000 });
            await wb.shot('1-notification');
            await toast.hover();
            await toast.getByRole('button', { name: 'Cancel' }).click();
            const web = wb.webview();
            await poll(async () => (await panelRow(web, 'disk').getAttribute('data-status')) === 'cancelled', 30_000,
                async () => `Cancel in the notification did not cancel: "${(await panelRow(web, 'disk').innerText()).replace(/\s+/g, ' ')}"`);
            await wb.shot('2-cancelled');
            await poll(async () => (await wb.toast(`Downloading ${seed.name}`).count()) === 0, 15_000, async () => `the progress notification outlived the cancelled download: ${(await wb.toastTexts()).join(' | ')}`);
            check(fs.existsSync(`${file}.partial`), 'the cancelled download kept no partial file');

        } finally {
            await control.reset(); // clears the delay rule
        }
    },
};
