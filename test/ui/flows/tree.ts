/** Sign in to the sandbox and walk subscription → resource group → disks: labels, descriptions, icons. */
import type { SeedDisk } from '../../sandbox/types';
import { check, type Flow } from '../flow';
import { describesState, description, ensureSignedIn, exact, iconOf, subscriptionLabel } from './nav';

/** The codicon the tree gives each seeded state (the presentation's table, restated as the user sees it). */
function expectedIcon(seed: SeedDisk): string {
    switch (seed.diskState) {
        case 'Attached': return 'vm-running';
        case 'Reserved': return 'vm-outline';
        case 'ActiveSAS': return 'unlock';
        case 'ReadyToUpload': return 'cloud-upload';
        default: return seed.kind === 'snapshot' ? 'device-camera' : 'database';
    }
}

function exactSize(bytes: number): string {
    const GiB = 1024 ** 3;
    const MiB = 1024 ** 2;
    return bytes % GiB === 0 ? `${bytes / GiB} GiB` : bytes % MiB === 0 && bytes < 100 * 1024 * MiB ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}

export const treeFlow: Flow = {
    name: 'tree',
    async run(ctx) {
        const { wb } = ctx;
        const view = await wb.disksView();
        await wb.shot('1-view');
        await ensureSignedIn(ctx, view);

        const secure = ctx.seed('cvm-os');
        const sub = await wb.findRow(view, subscriptionLabel(secure));
        await wb.shot('2-signed-in');
        await wb.expand(sub);

        // Every seeded resource group of the subscription is listed, with its location.
        const inSub = ctx.sandbox.manifest.filter((d) => d.subscriptionId === secure.subscriptionId);
        for (const g of new Set(inSub.map((d) => d.resourceGroup))) {
            const rg = await wb.findRow(view, exact(g));
            check((await description(rg)).length > 0, `resource group ${g} shows no location`);
        }

        for (const g of ['rg-secure', 'rg-web']) {
            await wb.expand(await wb.findRow(view, exact(g)));
            const seeded = inSub.filter((d) => d.resourceGroup === g);
            check(seeded.length > 0, `the sandbox seeds no disks in ${g}`);
            for (const disk of seeded) {
                const row = await wb.findRow(view, exact(disk.name));
                const desc = await description(row);
                // The exact size (the blob is the disk and a 512-byte footer), not diskSizeGB rounded up to a GiB.
                const size = exactSize(disk.blobs.disk.size - 512);
                check(desc.startsWith(`${size} · `) || desc === size, `${disk.name}: description "${desc}" does not start with its size, ${size}`);
                check(describesState(disk, desc), `${disk.name} (${disk.diskState}${disk.attachedVm ? ` on ${disk.attachedVm}` : ''}): description "${desc}" does not say so`);
                if (disk.securityType) {
                    const word = /^Confidential/i.test(disk.securityType) ? /confidential/i : /trusted launch/i;
                    check(word.test(desc), `${disk.name} (${disk.securityType}): description "${desc}" does not mention its security type`);
                }
                const icon = await iconOf(row);
                check(icon === expectedIcon(disk), `${disk.name} (${disk.diskState}) shows icon ${icon ?? 'none'}, expected ${expectedIcon(disk)}`);
            }
        }
        await wb.findRow(view, exact('cvm-os'));
        await wb.shot('3-expanded');
    },
};
