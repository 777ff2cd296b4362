/** Entra-ID-protected and private-only disks are marked in the tree, before anyone tries them. */
import { check, type Flow } from '../flow';
import { exact, revealDisk } from './nav';
import { poll, untilSettled } from '../workbench';

export const lockedFlow: Flow = {
    name: 'locked-markers',
    async run(ctx) {
        const { wb, page } = ctx;
        const aad = ctx.seed('aad-data');
        const row = await revealDisk(ctx, aad);
        const view = await wb.disksView();
        const rows = {
            'aad-data': [row, /Entra ID/],
            'private-data': [await wb.findRow(view, exact('private-data')), /Private only/],
            'denyall-data': [await wb.findRow(view, exact('denyall-data')), /No network access/],
        } as const;
        // Away from the rows, so no hover tooltip covers a marker in the screenshot.
        await page.mouse.move(900, 700);
        const hovers = page.locator('.workbench-hover, .monaco-hover').filter({ visible: true });
        await poll(async () => (await hovers.count()) === 0, 10_000, () => 'a hover tooltip stays open over the rows');
        await untilSettled(view);
        await wb.shot('1-markers');
        for (const [name, [r, marker]] of Object.entries(rows)) {
            const text = (await r.innerText()).replace(/\s+/g, ' ');
            check(marker.test(text), `${name}'s row does not say ${marker}: "${text}"`);
        }
    },
};
