/**
 * Export a Snapshot…: a disk attached to a running VM cannot be granted access, and stopping the
 * VM is downtime. Instead: an incremental snapshot of the disk (the VM keeps running), a Read grant
 * on the snapshot, the usual download, revoke, and the offer to delete the snapshot.
 */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext } from '../../platform/command';
import { hashId } from '../../platform/telemetryMask';
import { Cmd } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import { formatLifetime } from '../../shared/format';
import type { DiskInfo } from '../../shared/types';
import { refOf, resolveDiskInfo } from '../../wizard/diskArg';
import { makeSnapshot } from './create';
import { exportFileBase, suggestSnapshotName } from './naming';

/** Ten hours: what the docs suggest for large OS disks; revoked as soon as the download ends. */
const EXPORT_GRANT_SECONDS = 36_000;

export async function exportSnapshot(ctx: AppContext, actx: ActionContext, target: unknown): Promise<unknown> {
    const { services } = ctx;
    const { disk } = await resolveDiskInfo(services, target, { filter: (d) => d.kind === 'disk', placeHolder: vscode.l10n.t('Select a disk to export through a snapshot') });
    if (disk.kind !== 'disk') throw new DiskError('NotADisk', vscode.l10n.t('{0} is already a snapshot: download it directly.', disk.name));
    actx.telemetry.properties.diskIdHash = hashId(disk.id);
    actx.telemetry.properties.diskState = disk.diskState ?? 'unknown';
    actx.telemetry.properties.security = disk.securityType ? 'yes' : 'no';
    actx.errorContext = { diskName: disk.name };

    const snapshot = await makeSnapshot(ctx, disk, { name: suggestSnapshotName(disk.name, 'export'), incremental: true });
    const ref = refOf(snapshot);
    actx.errorContext = { diskName: snapshot.name };
    let downloaded = false;
    // Said once, and closed when the export ends: the SAS it hands out lives this long at most.
    const lifetime = vscode.l10n.t('Exporting {0} through snapshot {1}: its read access (SAS) lasts {2} and is revoked as soon as the download ends.', disk.name, snapshot.name, formatLifetime(EXPORT_GRANT_SECONDS));
    services.log.info(lifetime);
    let ended: () => void = () => undefined;
    services.ui.showNotice(lifetime, new Promise<void>((resolve) => (ended = resolve)));
    try {
        // Granted here with fixed settings, so the download asks only for its folder.
        await ctx.actions.grantAccess(actx, ref, {
            preset: { access: 'Read', durationInSeconds: EXPORT_GRANT_SECONDS, fileFormat: 'VHD', getSecureVMGuestStateSAS: disk.securityType ? true : undefined },
            silentPanel: true,
        });
        // The file is named after the disk and the snapshot's time: the snapshot is deleted afterwards.
        const saveAs = { folderName: disk.name, fileBase: exportFileBase(disk.name, snapshot.timeCreated ?? new Date()) };
        const result = await ctx.actions.download(actx, ref, { saveAs });
        downloaded = result !== undefined;
        return result;
    } finally {
        // The snapshot's SAS ends with the export, whatever happened.
        await ctx.actions.revokeQuietly(actx, ref);
        ended();
        offerDelete(ctx, disk, snapshot, downloaded);
    }
}

function offerDelete(ctx: AppContext, disk: DiskInfo, snapshot: DiskInfo, downloaded: boolean): void {
    const del = vscode.l10n.t('Delete Snapshot');
    const keep = vscode.l10n.t('Keep');
    const message = downloaded
        ? vscode.l10n.t('{0} was exported through snapshot {1}; its VM {2} kept running. Delete the snapshot now?', disk.name, snapshot.name, disk.attachedVm ?? '-')
        : vscode.l10n.t('The export of {0} did not finish. Snapshot {1} is kept so the download can be resumed; delete it now?', disk.name, snapshot.name);
    ctx.services.log.info(message);
    void ctx.services.ui.showInformationMessage(message, del, keep).then(
        (choice) => {
            if (choice === del) void ctx.run(Cmd.DeleteDisk, (a) => ctx.actions.deleteDisk(a, refOf(snapshot)));
        },
        () => undefined,
    );
}
