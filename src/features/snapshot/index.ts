/** Create Snapshot… (disks and snapshots) and Export a Snapshot… (a disk of a running VM). */
import type * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { nested } from '../../platform/actionContext';
import type { ActionContext, Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import { createSnapshotCommand } from './create';
import { exportSnapshot, offerTemporarySnapshots } from './export';

export { offerTemporarySnapshots };

export function registerSnapshot(ctx: AppContext, register: Register): vscode.Disposable[] {
    offerTemporarySnapshots(ctx);
    return [
        register(Cmd.CreateSnapshot, (actx, arg) => createSnapshotCommand(ctx, actx, arg)),
        register(Cmd.ExportSnapshot, (actx, arg) => exportSnapshot(ctx, actx, arg)),
    ];
}

export const snapshotActions = (ctx: AppContext) => ({
    exportSnapshot: (actx: ActionContext, target: unknown) => nested(actx, 'exportSnapshot', (c) => exportSnapshot(ctx, c, target)),
});
