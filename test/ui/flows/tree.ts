/** Sign in to the sandbox and walk subscription → resource group → disks: labels, descriptions, icons. */
import type { Locator } from 'playwright-core';
import { check, type Flow } from '../flow';
import { description, ensureSignedIn, exact, subscriptionLabel } from './nav';

async function hasIcon(row: Locator): Promise<boolean> {
    const icon = row.locator('.custom-view-tree-node-item-icon').first();
    const box = await icon.boundingBox().catch(() => null);
    return !!box && box.width > 0 && box.height > 0;
}

export const treeFlow: Flow = {
    name: 'tree',
    async run(ctx) {
        const { wb } = ctx;
        const view = await wb.disksView();
        await wb.shot('1-view');
        await ensureSignedIn(ctx, view);

        const secure = ctx.seed('cvm-os');
        const sub = wb.row(view, subscriptionLabel(secure));
        await sub.waitFor({ timeout: 30_000 });
        await wb.shot('2-signed-in');
        await wb.expand(sub);

        // Every seeded resource group of the subscription is listed.
        const groups = [...new Set(ctx.sandbox.manifest.filter((d) => d.subscriptionId === secure.subscriptionId).map((d) => d.resourceGroup))];
        for (const g of groups) await wb.row(view, exact(g)).waitFor({ timeout: 30_000 });

        for (const g of ['rg-secure', 'rg-web']) {
            await wb.expand(wb.row(view, exact(g)));
            const seeded = ctx.sandbox.manifest.filter((d) => d.resourceGroup === g && d.subscriptionId === secure.subscriptionId);
            check(seeded.length > 0, `the sandbox seeds no disks in ${g}`);
            for (const disk of seeded) {
                const row = wb.row(view, exact(disk.name));
                await row.waitFor({ timeout: 30_000 });
                const desc = await description(row);
                check(desc.length > 0, `${disk.name} has no description`);
                check(await hasIcon(row), `${disk.name} shows no icon`);
            }
        }

        // Descriptions say something true about each disk.
        const attached = ctx.seed('web-os-01');
        const attachedDesc = await description(wb.row(view, exact(attached.name)));
        check(new RegExp(`${attached.attachedVm}|attached`, 'i').test(attachedDesc), `${attached.name}'s description "${attachedDesc}" does not say it is attached`);
        const cvmDesc = await description(wb.row(view, exact(secure.name)));
        check(/confidential|reserved|vm-cvm-01/i.test(cvmDesc), `${secure.name}'s description "${cvmDesc}" says nothing about its state or security`);
        await wb.row(view, exact(attached.name)).scrollIntoViewIfNeeded();
        await wb.shot('3-expanded');
    },
};
