/**
 * Export a Snapshot Instead, from the tree: Grant Access on a running VM's disk is refused with the
 * choice to export through an incremental snapshot → the snapshot's progress → the file in the
 * workspace, byte for byte the disk → the offer to delete the snapshot (a modal), answered Delete,
 * the snapshot's name typed → the snapshot gone, the disk still attached to its running VM.
 */
import * as path from 'node:path';
import { check, sha256File, type Flow } from '../flow';
import { poll, untilSettled } from '../workbench';
import { GRANT_MENU } from './grant';
import { downloadPath, fileSize, revealDisk, showInExplorer } from './nav';

export const exportInsteadFlow: Flow = {
    name: 'export-instead',
    async run(ctx) {
        const { wb, page, control } = ctx;
        const seed = ctx.seed('web-os-01');
        check(seed.attachedVm && seed.vmPowerState === 'running', 'web-os-01 is not seeded as attached to a running VM');
        await control.clearLog();
        const row = await revealDisk(ctx, seed);
        await wb.clearNotifications(); // earlier toasts would cover the export's
        // Download is not on the menu of a running VM's disk; Grant Access is, and meets the refusal.
        await wb.contextMenu(row, GRANT_MENU);

        const refusal = wb.toast(new RegExp(`attached to running VM ${seed.attachedVm}`));
        await refusal.first().waitFor({ timeout: 45_000 }).catch(async () => {
            throw new Error(`no refusal naming ${seed.attachedVm} appeared; toasts: ${(await wb.toastTexts()).join(' / ')}`);
        });
        const exportButton = refusal.first().getByRole('button', { name: 'Export a Snapshot Instead' });
        const offered = await exportButton.isVisible().catch(() => false);
        await untilSettled(refusal.first());
        await wb.shot('1-refusal');
        check(offered, `the refusal does not offer "Export a Snapshot Instead": "${(await refusal.first().innerText()).replace(/\s+/g, ' ')}"`);
        await exportButton.click();

        // The snapshot is made, then downloaded under its own progress notification.
        // Each step has its own notification; the picture is of one still on screen once it has slid in.
        const progress = wb.toast(/(Creating snapshot|Granting access to|Downloading) web-os-01-export-/).first();
        let shown = '';
        await poll(async () => {
            if (!(await progress.isVisible().catch(() => false))) return false;
            await untilSettled(progress);
            shown = (await progress.innerText().catch(() => '')).replace(/\s+/g, ' ');
            if (!shown || !(await progress.isVisible().catch(() => false))) return false;
            await wb.shot('2-progress');
            return true;
        }, 60_000, async () => `no progress of the export appeared; toasts: ${(await wb.toastTexts()).join(' / ')}`, 50);
        // The offer to delete the snapshot is a modal dialog: it stays until answered.
        const dialog = page.locator('.monaco-dialog-box');
        const offer = dialog.filter({ hasText: new RegExp(`${seed.name} was exported through snapshot (\\S+); its VM ${seed.attachedVm} kept running`) });
        await offer.first().waitFor({ timeout: 180_000 });
        // The file is named after the disk and the snapshot's time, not after the snapshot (deleted afterwards).
        const downloaded = wb.toast(/Downloaded and verified web-os-01-\d{8}-\d{4}\.vhd/).first();
        check(await downloaded.isVisible(), `no "Downloaded and verified web-os-01-<time>.vhd" toast; toasts: ${(await wb.toastTexts()).join(' / ')}`);
        const fileName = /(web-os-01-\d{8}-\d{4}\.vhd)/.exec(await downloaded.innerText())![1];
        const offerText = (await offer.first().innerText()).replace(/\s+/g, ' ');
        const snapName = /through snapshot (\S+?);/.exec(offerText)?.[1];
        check(snapName && /^web-os-01-export-/.test(snapName), `the offer does not name the snapshot: "${offerText}"`);

        const file = path.join(path.dirname(downloadPath(ctx, seed, '', 'vhd')), fileName);
        check(fileSize(file) === seed.blobs.disk.size, `${path.basename(file)} is ${fileSize(file)} bytes, not the disk's ${seed.blobs.disk.size}`);
        const got = await sha256File(file);
        check(got === seed.blobs.disk.sha256, `${path.basename(file)}: sha256 ${got.slice(0, 12)}… ≠ manifest ${seed.blobs.disk.sha256.slice(0, 12)}…`);
        await untilSettled(offer.first());
        await wb.shot('3-downloaded-and-offer');

        const snapId = `/subscriptions/${seed.subscriptionId}/resourceGroups/${seed.resourceGroup}/providers/Microsoft.Compute/snapshots/${snapName}`;
        check((await control.diskState(snapId)) !== 'ActiveSAS', `${snapName} still has a SAS after the export`);
        await offer.first().getByRole('button', { name: 'Delete Snapshot' }).click();
        // Delete asks for the name to be typed: Enter alone does nothing.
        const prompt = new RegExp(`Delete the snapshot ${snapName}`);
        await poll(async () => prompt.test(await wb.quickInputPrompt()), 30_000, async () => `no typed-name question for ${snapName}: "${await wb.quickInputPrompt()}"`);
        const input = page.locator('.quick-input-widget .quick-input-box input');
        await input.press('Enter');
        check(await wb.quickInput().isVisible(), 'Enter on the empty box closed the delete question');
        check((await control.diskState(snapId).catch(() => undefined)) !== undefined, 'Enter on the empty box deleted the snapshot');
        await input.fill(snapName!);
        await wb.shot('4-delete-confirm');
        await input.press('Enter');
        await poll(async () => (await control.diskState(snapId).catch(() => undefined)) === undefined, 60_000, () => `${snapName} was not deleted`);
        // The Explorer, behind the modal until now: the downloaded file is in the workspace.
        await showInExplorer(ctx, `disks/${seed.name}`, [path.basename(file)]);
        await wb.shot('5-file-in-workspace');

        check((await control.diskState(seed.id)) === 'Attached', `${seed.name} is no longer attached to its running VM`);
        const log = await control.requestLog();
        const touched = log.arm.recent.filter((r) => /virtualMachines/i.test(r.path) && r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
        check(touched.length === 0, `the export changed the VM: ${touched.join(', ')}`);
        console.log(`    ${seed.name}: exported through ${snapName}, sha256 ${got.slice(0, 12)}… equal to the manifest; snapshot deleted`);
    },
};
