/**
 * Update Earlier Download…, from the tree: the workspace holds a first download of history-data-v1
 * with its record (seeded as in the demo); right-click history-data-v3 → Update Earlier Download…
 * → the earlier download picked from the list → the update's progress → "Updated … to
 * history-data-v3" → the file byte for byte the newer snapshot, its record naming it, no SAS left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, sha256File, type Flow } from '../flow';
import { poll, untilSettled } from '../workbench';
import { downloadPath, revealDisk, showInExplorer } from './nav';

const MENU = /^(Azure Disks: )?Update Earlier Download/;

export const updateFlow: Flow = {
    name: 'update',
    async run(ctx) {
        const { wb, control } = ctx;
        const older = ctx.seed('history-data-v1');
        const newer = ctx.seed('history-data-v3');
        const file = downloadPath(ctx, older, '', 'vhd');
        check(fs.existsSync(file) && fs.existsSync(`${file}.snapshot.json`), `the workspace has no first download of ${older.name} with its record`);
        check((await sha256File(file)) === older.blobs.disk.sha256, `${path.basename(file)} does not hold ${older.name} before the update`);

        const row = await revealDisk(ctx, newer);
        await wb.clearNotifications();
        // Every ranged read of the newer snapshot is slowed, so the progress stays on screen long enough to be seen.
        await control.storageFault({ blob: `${newer.blobs.disk.container}/${newer.blobs.disk.blob}$`, method: 'GET', rangedOnly: true, action: 'delay', delayMs: 1500, count: 100_000 });
        try {
            await wb.contextMenu(row, MENU);
            const widget = wb.quickInput();
            await widget.waitFor({ state: 'visible', timeout: 60_000 });
            await poll(async () => /The earlier download to bring up to date with history-data-v3/.test(await wb.quickInputPrompt()), 30_000,
                async () => `the picker asks something else: "${await wb.quickInputPrompt()}"`);
            const item = widget.locator('.monaco-list-row').filter({ hasText: path.basename(file) }).first();
            await item.waitFor({ timeout: 30_000 });
            const offered = (await item.innerText()).replace(/\s+/g, ' ');
            check(/holds history-data-v1/.test(offered), `the file is not offered as holding ${older.name}: "${offered}"`);
            await untilSettled(widget);
            await wb.shot('1-picker');
            await wb.pick(path.basename(file));

            const progress = wb.toast(/Updating history-data-v1\.vhd to history-data-v3/).first();
            await poll(async () => {
                if (!(await progress.isVisible().catch(() => false))) return false;
                await untilSettled(progress);
                if (!(await progress.isVisible().catch(() => false))) return false;
                await wb.shot('2-progress');
                return true;
            }, 60_000, async () => `no progress of the update appeared; toasts: ${(await wb.toastTexts()).join(' / ')}`, 50);

            const done = wb.toast(/Updated history-data-v1\.vhd to history-data-v3/).first();
            await done.waitFor({ timeout: 120_000 }).catch(async () => {
                throw new Error(`the update did not finish; toasts: ${(await wb.toastTexts()).join(' / ')}`);
            });
            const text = (await done.innerText()).replace(/\s+/g, ' ');
            check(/fetched .+ and cleared .+ that changed/.test(text), `the notification does not say what changed: "${text}"`);
        } finally {
            await control.reset(); // clears the delay rule
        }

        const got = await sha256File(file);
        check(got === newer.blobs.disk.sha256, `${path.basename(file)}: sha256 ${got.slice(0, 12)}… ≠ ${newer.name}'s ${newer.blobs.disk.sha256.slice(0, 12)}…`);
        const record = JSON.parse(fs.readFileSync(`${file}.snapshot.json`, 'utf8')) as { snapshotId?: string };
        check(record.snapshotId?.toLowerCase() === newer.id.toLowerCase(), `the record does not name ${newer.name}: ${record.snapshotId}`);
        check(!fs.existsSync(`${file}.update.journal`), 'the file is still marked as between snapshots');
        // The access the update granted is revoked once it is done (the "Revoking access" toast may still be up).
        for (const s of [older, newer]) await poll(async () => !/^ActiveSAS/.test((await control.diskState(s.id)) ?? ''), 60_000, () => `${s.name} still has a SAS after the update`);
        await showInExplorer(ctx, `disks/${older.name}`, [path.basename(file)]);
        await untilSettled(wb.toast(/Updated history-data-v1\.vhd/).first());
        await wb.shot('3-updated');
        console.log(`    ${path.basename(file)} updated to ${newer.name}: sha256 ${got.slice(0, 12)}… equal to the manifest`);
    },
};
