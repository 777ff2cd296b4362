/** The confidential disk: grant with guest state, three masked SAS rows, Download all, hashes match. */
import * as path from 'node:path';
import { assertNoIssuedSecret, check, sha256File, showsIssuedSignature, type Flow } from '../flow';
import { poll, untilSettled } from '../workbench';
import { expectAccessPanel, grantFromTree, panelRow, waitDownloaded } from './grant';
import { downloadPath, showInExplorer } from './nav';

export const confidentialFlow: Flow = {
    name: 'confidential-download',
    async run(ctx) {
        const { wb, page } = ctx;
        const seed = ctx.seed('cvm-os');
        check(seed.blobs.vmgs && seed.blobs.vmmd, 'cvm-os is seeded without guest state blobs');
        const prompts = await grantFromTree(ctx, seed, { guestState: true });
        check(prompts.some((p) => /guest state/i.test(p)), `the wizard never asked about VM guest state: ${prompts.join(' / ')}`);

        await wb.waitQuickInputClosed();
        const progress = wb.toast(new RegExp(`Granting access to ${seed.name}`));
        await progress.first().waitFor({ timeout: 30_000 });
        await untilSettled(progress.first()); // the toast has slid in
        await wb.shot('1-progress');

        const web = await expectAccessPanel(ctx, ['disk', 'vmgs', 'vmmd']);
        await wb.shot('2-access-panel');

        // Reveal shows the real URL (so the masking checks above can see a signature when there is one); Hide masks it again.
        const url = panelRow(web, 'disk').locator('[data-role="url"]');
        await panelRow(web, 'disk').locator('[data-action="reveal"]').click();
        await poll(async () => showsIssuedSignature(ctx.control, await url.innerText()), 15_000, () => 'Reveal did not show the SAS URL');
        await panelRow(web, 'disk').locator('[data-action="reveal"]').click();
        await poll(async () => /sig=••••/.test(await url.innerText()), 15_000, () => 'Hide did not mask the SAS URL again');
        await assertNoIssuedSecret(ctx.control, await url.innerText(), 'the hidden URL');

        await ctx.control.clearLog();
        await web.getByRole('button', { name: 'Download all' }).click();
        await waitDownloaded(web, ['disk', 'vmgs', 'vmmd']);
        await wb.shot('3-downloaded');

        const files = [
            { file: downloadPath(ctx, seed, '', 'vhd'), want: seed.blobs.disk },
            { file: downloadPath(ctx, seed, '_vmgs', 'vhd'), want: seed.blobs.vmgs },
            { file: downloadPath(ctx, seed, '_vmmd', 'vhd'), want: seed.blobs.vmmd },
        ];
        await showInExplorer(ctx, `disks/${seed.name}`, files.map((f) => path.basename(f.file)));
        await wb.shot('4-explorer');
        // Nothing on screen (tree, toasts, panel) carries a SAS signature the sandbox issued.
        const onScreen = (await page.locator('body').innerText()) + (await web.locator('body').innerText());
        await assertNoIssuedSecret(ctx.control, onScreen, 'the workbench');
        for (const { file, want } of files) {
            const got = await sha256File(file);
            check(got === want.sha256, `${path.basename(file)}: sha256 ${got.slice(0, 12)}… ≠ manifest ${want.sha256.slice(0, 12)}…`);
        }
        // Sparse: holes are not fetched, so about the written bytes cross the wire, not the disk size.
        const served = (await ctx.control.requestLog()).storage.byPath;
        for (const { file, want } of files) {
            const bytes = served[new URL(want.url).pathname.toLowerCase()]?.bytes ?? 0;
            console.log(`    ${path.basename(file)}: ${want.size} bytes, ${want.writtenBytes} written, ${bytes} fetched`);
            check(bytes >= want.writtenBytes, `${path.basename(file)}: only ${bytes} bytes were fetched of ${want.writtenBytes} written`);
            check(bytes <= want.writtenBytes + (want.size - want.writtenBytes) / 2, `${path.basename(file)}: ${bytes} bytes fetched for ${want.writtenBytes} written: the holes were downloaded too`);
        }
    },
};
