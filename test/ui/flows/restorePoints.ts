/**
 * Restore points in the tree beside the marked disks: a group's restore point collection, its
 * restore point and the confidential VM's disk restore point, with the Entra ID and private-only
 * disks of another group in the same view.
 */
import { check, type Flow } from '../flow';
import { description, exact, iconOf, revealDisk } from './nav';

export const restorePointsFlow: Flow = {
    name: 'restore-points',
    async run(ctx) {
        const { wb, page } = ctx;
        const aad = ctx.seed('aad-data');
        const aadRow = await revealDisk(ctx, aad);
        const view = await wb.disksView();
        const markers = {
            'aad-data': [aadRow, /Entra ID/],
            'private-data': [await wb.findRow(view, exact('private-data')), /Private only/],
            'denyall-data': [await wb.findRow(view, exact('denyall-data')), /No network access/],
        } as const;

        await wb.expand(await wb.findRow(view, exact('rg-secure')));
        const collection = await wb.findRow(view, exact('rpc-vm-cvm-01'));
        check(/restore points of vm-cvm-01/.test(await description(collection)), `the collection row does not name its VM: "${await description(collection)}"`);
        await wb.expand(collection);
        const point = await wb.findRow(view, exact('rp-20250601'));
        check(/2025-06-01 02:00 UTC · 1 disk/.test(await description(point)), `the restore point row does not give its time and disks: "${await description(point)}"`);
        await wb.expand(point);
        const drp = await wb.findRow(view, /^cvm-os_/);
        const drpDesc = await description(drp);
        check(/^of cvm-os · Confidential$/.test(drpDesc), `the disk restore point row reads "${drpDesc}"`);
        check((await iconOf(drp)) === 'history', `the disk restore point shows icon ${await iconOf(drp)}`);

        // Away from the rows, so no hover tooltip covers a row in the screenshot.
        await page.mouse.move(900, 700);
        await page.waitForTimeout(800);
        await wb.shot('1-restore-points-and-markers');
        for (const [name, [r, marker]] of Object.entries(markers)) {
            const text = (await r.innerText()).replace(/\s+/g, ' ');
            check(marker.test(text), `${name}'s row does not say ${marker}: "${text}"`);
        }
    },
};
