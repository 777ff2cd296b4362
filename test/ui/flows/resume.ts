/**
 * Cancel a download of the large sparse disk half-way, then download again: the second run fetches
 * only what the first did not (counted by the sandbox's storage proxy), and the file verifies. The
 * "cancelled" notice closes when the resume starts, the progress notification when it ends.
 */
import * as path from 'node:path';
import { check, sha256File, type Flow } from '../flow';
import { poll } from '../workbench';
import { expectAccessPanel, grantFromTree, panelRow, waitDownloaded } from './grant';
import { downloadPath, showInExplorer } from './nav';

const MiB = 1024 * 1024;

export const resumeFlow: Flow = {
    name: 'cancel-resume',
    async run(ctx) {
        const { wb, control } = ctx;
        const seed = ctx.seed('big-data');
        const blob = seed.blobs.disk;
        const blobPath = new URL(blob.url).pathname.toLowerCase();
        const served = async () => (await control.requestLog()).storage.byPath[blobPath]?.bytes ?? 0;
        /** Requests for the blob the storage proxy has not answered in full yet. */
        const stillOpen = async () => (await control.requestLog()).storage.recent.filter((r) => r.path.toLowerCase() === blobPath && r.status === undefined).length;

        await grantFromTree(ctx, seed);
        const web = await expectAccessPanel(ctx, ['disk']);
        const row = panelRow(web, 'disk');

        let first = 0;
        /** Bytes the first run set out to fetch (its progress bar's maximum). */
        let planned = 0;
        // Slow every read of this blob down so the download is still running when Cancel is pressed.
        await control.clearLog();
        await control.storageFault({ blob: `${blob.container}/${blob.blob}$`, action: 'delay', delayMs: 1500, count: 100_000 });
        try {
            await row.locator('[data-action="download"]').click();
            const progress = row.locator('progress');
            // Cancel once a tenth is in: enough that starting over would clearly show in the counts.
            await poll(async () => {
                const [value, max] = await Promise.all([progress.getAttribute('value'), progress.getAttribute('max')]);
                planned = Number(max);
                return planned > 100 && Number(value) >= planned / 10;
            }, 90_000,
                async () => `no progress on ${seed.name}: "${(await row.innerText()).replace(/\s+/g, ' ')}"`, 100);
            await wb.shot('1-downloading');
            await row.locator('[data-action="cancel"]').click();
            await poll(async () => (await row.getAttribute('data-status')) === 'cancelled', 30_000,
                async () => `the row never said it was cancelled: "${(await row.innerText()).replace(/\s+/g, ' ')}"`);
            await wb.shot('2-cancelled');
            // Count once the requests already in flight have finished or failed: none of this blob's is still open.
            await poll(async () => (await stillOpen()) === 0, 30_000, async () => `${await stillOpen()} requests for ${seed.name} still open after Cancel`);
            first = await served();
        } finally {
            await control.reset(); // clears the delay rule (and the log)
        }
        check(first > 0, 'the first run fetched nothing before it was cancelled');
        check(first < blob.size / 2, `the first run fetched ${(first / MiB).toFixed(1)} MiB before Cancel took effect`);

        const cancelledNotice = wb.toast(`Download of ${seed.name} cancelled`);
        check((await cancelledNotice.count()) === 1, `the cancel is not told in a notification: ${(await wb.toastTexts()).join(' | ')}`);
        await row.locator('[data-action="download"]').click();
        await poll(async () => (await row.getAttribute('data-status')) !== 'cancelled', 30_000, () => 'Download did not start again after Cancel');
        // The resume supersedes the "cancelled" notice: it closes, not just hides.
        await poll(async () => (await cancelledNotice.count()) === 0, 15_000, async () => `the "cancelled" notice stayed after the resume started: ${(await wb.toastTexts()).join(' | ')}`);
        await waitDownloaded(web, ['disk'], 120_000);
        await poll(async () => (await wb.toast(`Downloading ${seed.name}`).count()) === 0, 15_000, async () => `the progress notification outlived the finished download: ${(await wb.toastTexts()).join(' | ')}`);
        const rowText = (await row.innerText()).replace(/\s+/g, ' ');
        await wb.shot('3-resumed');
        const second = await served();
        console.log(`    ${seed.name}: ${(blob.size / MiB).toFixed(0)} MiB disk, ${(blob.writtenBytes / MiB).toFixed(0)} MiB written; planned ${(planned / MiB).toFixed(1)} MiB; served ${(first / MiB).toFixed(1)} MiB before Cancel, ${(second / MiB).toFixed(1)} MiB after`);
        check(second > 0, 'the second run fetched nothing');
        // Starting over would fetch again what the first run already had (bar the chunks cut off mid-flight).
        check(second <= planned - first / 2, `the second run fetched ${(second / MiB).toFixed(1)} MiB of a ${(planned / MiB).toFixed(1)} MiB plan after ${(first / MiB).toFixed(1)} MiB: it started over`);
        check(first + second >= blob.writtenBytes, `the two runs fetched ${((first + second) / MiB).toFixed(1)} MiB, less than the ${(blob.writtenBytes / MiB).toFixed(1)} MiB of data`);
        check(/resumed/i.test(rowText), `the panel does not say the download resumed: "${rowText}"`);

        const file = downloadPath(ctx, seed, '', 'vhd');
        await showInExplorer(ctx, `disks/${seed.name}`, [path.basename(file)]);
        const got = await sha256File(file);
        check(got === blob.sha256, `${path.basename(file)}: sha256 ${got.slice(0, 12)}… ≠ manifest ${blob.sha256.slice(0, 12)}…`);
    },
};
