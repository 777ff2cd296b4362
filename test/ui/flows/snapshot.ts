/** A snapshot exported as VHDX: the wizard asks for the format, the file is a VHDX with the right hash. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, sha256File, type Flow } from '../flow';
import { expectAccessPanel, grantFromTree, waitDownloaded } from './grant';
import { downloadPath, showInExplorer } from './nav';

export const snapshotFlow: Flow = {
    name: 'snapshot-vhdx',
    async run(ctx) {
        const { wb } = ctx;
        const seed = ctx.seed('web-data-01-full');
        check(seed.kind === 'snapshot' && seed.blobs.vhdx, 'web-data-01-full is not a snapshot with a VHDX export');
        const prompts = await grantFromTree(ctx, seed, { format: 'VHDX' });
        check(!prompts.some((p) => /guest state/i.test(p)), 'the wizard asked about guest state for a snapshot without a security profile');

        const web = await expectAccessPanel(ctx, ['disk']);
        await wb.shot('1-access-panel');
        await web.locator('[data-blob="disk"] [data-action="download"]').click();
        await waitDownloaded(web, ['disk']);

        const file = downloadPath(ctx, seed, '', 'vhdx');
        await showInExplorer(ctx, `disks/${seed.name}`, [path.basename(file)]);
        await wb.shot('2-downloaded');
        const head = Buffer.alloc(8);
        const fd = fs.openSync(file, 'r');
        try {
            fs.readSync(fd, head, 0, 8, 0);
        } finally {
            fs.closeSync(fd);
        }
        check(head.toString('latin1') === 'vhdxfile', `${path.basename(file)} does not start with the VHDX signature`);
        const got = await sha256File(file);
        check(got === seed.blobs.vhdx.sha256, `${path.basename(file)}: sha256 ${got.slice(0, 12)}… ≠ manifest ${seed.blobs.vhdx.sha256.slice(0, 12)}…`);
    },
};
