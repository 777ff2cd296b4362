/** The confidential disk: grant with guest state, three masked SAS rows, Download all, hashes match. */
import * as path from 'node:path';
import { check, sha256File, type Flow } from '../flow';
import { expectAccessPanel, grantFromTree, waitDownloaded } from './grant';
import { downloadPath, showInExplorer } from './nav';

export const confidentialFlow: Flow = {
    name: 'confidential-download',
    async run(ctx) {
        const { wb } = ctx;
        const seed = ctx.seed('cvm-os');
        check(seed.blobs.vmgs && seed.blobs.vmmd, 'cvm-os is seeded without guest state blobs');
        const prompts = await grantFromTree(ctx, seed, { guestState: true });
        check(prompts.some((p) => /guest state/i.test(p)), `the wizard never asked about VM guest state: ${prompts.join(' / ')}`);

        const progress = wb.toast(/Granting|access/i);
        await progress.first().waitFor({ timeout: 30_000 });
        await wb.shot('1-progress');

        const web = await expectAccessPanel(ctx, ['disk', 'vmgs', 'vmmd']);
        await wb.shot('2-access-panel');

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
        for (const { file, want } of files) {
            const got = await sha256File(file);
            check(got === want.sha256, `${path.basename(file)}: sha256 ${got.slice(0, 12)}… ≠ manifest ${want.sha256.slice(0, 12)}…`);
        }
    },
};
