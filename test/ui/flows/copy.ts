/**
 * Copy to… from the tree: right-click a disk → Copy to… → resource group and name → the copy's
 * progress → the "copied and verified" toast → the new disk in the tree, Unattached, and its data
 * the source's.
 */
import type { SeedDisk } from '../../sandbox/types';
import { armClientsFor, sparseSha256 } from '../../sandbox/testkit';
import { check, type Flow } from '../flow';
import { pickGroupAndName, revealDisk } from './nav';

const NAME = 'web-data-01-copied';

export const copyFlow: Flow = {
    name: 'copy-to',
    async run(ctx) {
        const { wb, page, control } = ctx;
        const seed = ctx.seed('web-data-01');
        const rgSeed = ctx.seed('big-data'); // rg-data, the same region as the source
        const row = await revealDisk(ctx, seed);
        await wb.contextMenu(row, /^(Azure Disks: )?Copy to/);
        await wb.wizardFor(seed.name, /resource group|subscription/i);
        await pickGroupAndName(ctx, rgSeed, NAME, { prompt: /subscription/i, timeout: 10_000 });
        await wb.toast(/Copying web-data-01 to web-data-01-copied/).first().waitFor({ timeout: 60_000 });
        await wb.shot('2-progress');
        const done = wb.toast(/Copied and verified web-data-01 to web-data-01-copied/);
        await done.first().waitFor({ timeout: 180_000 });
        const text = (await done.first().innerText()).replace(/\s+/g, ' ');
        check(/server-side/.test(text), `the toast does not say how the copy ran: "${text}"`);
        const id = `/subscriptions/${rgSeed.subscriptionId}/resourceGroups/${rgSeed.resourceGroup}/providers/Microsoft.Compute/disks/${NAME}`;
        check((await control.diskState(id)) === 'Unattached', 'the new disk is not Unattached (its write access was not revoked)');
        check((await control.diskState(seed.id)) === 'Unattached', 'the source still has a SAS');

        const copied = { ...rgSeed, name: NAME, id } as SeedDisk;
        await revealDisk(ctx, copied);
        await page.waitForTimeout(300); // the toast and the tree settle before the picture
        await wb.shot('3-new-disk-in-tree');

        const disks = (await armClientsFor(ctx.sandbox.info, seed.tenantId)).compute(seed.subscriptionId).disks;
        const poll100 = { updateIntervalInMs: 100 };
        const url = (await disks.grantAccess(rgSeed.resourceGroup, NAME, { access: 'Read', durationInSeconds: 600 }, poll100).pollUntilDone()).accessSAS!;
        try {
            const got = (await sparseSha256(url)).sha256;
            check(got === seed.blobs.disk.sha256, `the copy's data differs from the source (${got.slice(0, 12)}… ≠ ${seed.blobs.disk.sha256.slice(0, 12)}…)`);
        } finally {
            await disks.revokeAccess(rgSeed.resourceGroup, NAME, poll100).pollUntilDone();
        }
    },
};
