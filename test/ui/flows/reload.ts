/**
 * The progress notification's own Cancel button stops the download (and the notification goes
 * away); a real reload of the workbench page stops a running download, the reopened window offers
 * Resume, and Resume finishes the file from the partial (fetching only what was missing). The UI
 * tier runs with revokeOnCancel and revokeAfterDownload = never, so no revoke question comes between.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, sha256File, type Flow } from '../flow';
import { poll } from '../workbench';
import { panelRow } from './grant';
import { downloadPath, revealDisk } from './nav';

const DOWNLOAD_MENU = /^(Azure Disks: )?Download/;

export const reloadFlow: Flow = {
    name: 'notification-cancel-reload',
    async run(ctx) {
        const { wb, page, control } = ctx;
        const seed = ctx.seed('big-data');
        const blob = seed.blobs.disk;
        const blobPath = new URL(blob.url).pathname.toLowerCase();
        const served = async () => (await control.requestLog()).storage.byPath[blobPath]?.bytes ?? 0;
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

            // 2. Download again, then reload the page while it runs.
            await panelRow(web, 'disk').locator('[data-action="download"]').click();
            await progressed(0.2);
        } finally {
            // The delay rule must not outlive the reload: the resumed run should run at full speed.
            await page.reload();
            await control.reset();
        }
        await wb.waitForWorkbench();
        const before = await served(); // reset() cleared the log: this counts only what comes after
        const offer = wb.toast(/Resume download of big-data/);
        await offer.waitFor({ timeout: 60_000 });
        await wb.shot('3-resume-offer');
        await offer.getByRole('button', { name: 'Resume' }).click();
        await wb.toast(/Downloaded and verified big-data/).waitFor({ timeout: 120_000 });
        await wb.shot('4-resumed');
        const after = (await served()) - before;
        console.log(`    ${seed.name}: ${(blob.writtenBytes / 2 ** 20).toFixed(0)} MiB written, the run after the reload fetched ${(after / 2 ** 20).toFixed(1)} MiB`);
        check(after < blob.writtenBytes * 0.9, `the run after the reload fetched ${after} of ${blob.writtenBytes} written bytes: it did not resume`);
        const got = await sha256File(file);
        check(got === blob.sha256, `${path.basename(file)}: sha256 ${got.slice(0, 12)}… ≠ manifest ${blob.sha256.slice(0, 12)}…`);
    },
};
