/** Composition root: log, telemetry, sign-in, disk service, tree, the app context, each feature's commands. */
import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import type { AzureDisksApi } from './app/api';
import { createAppContext } from './app/context';
import { DownloadTracker } from './app/downloadTracker';
import { ArmDiskService } from './azure/diskService';
import { MemoryGrantStore } from './azure/grantStore';
import { ArmImportService } from './azure/importService';
import { SessionManager } from './azure/sessionManager';
import { AccessPanels, registerAccess } from './features/access';
import { registerAccount } from './features/account';
import { registerBrowse } from './features/browse';
import { registerCopy } from './features/copy';
import { deleteActions, registerDelete } from './features/delete';
import { downloadActions, registerDownload } from './features/download';
import { grantActions, registerGrant } from './features/grant';
import { registerImport } from './features/import';
import { registerSnapshot, snapshotActions } from './features/snapshot';
import { makeSnapshot } from './features/snapshot/create';
import { registerUpdate } from './features/update';
import { registerProperties } from './features/properties';
import { registerUpload } from './features/upload';
import { nested } from './platform/actionContext';
import { registerCommand, runWithTelemetry, type Register } from './platform/command';
import { ChannelLogger } from './platform/log';
import type { Services } from './platform/services';
import { Telemetry } from './platform/telemetry';
import { restoreWalkthrough } from './platform/walkthrough';
import { DelegatingUserInput, VscodeUserInput } from './platform/vscodeUserInput';
import { VIEW_ID } from './shared/constants';
import { testHooksEnabled, withTestHooks } from './testHooks';
import { DisksTreeDataProvider } from './tree/treeProvider';
import { openBlobDevice } from './disk/device/blob';
import { openImageDevice } from './disk/device/image';
import { openVolumes } from './disk/volumes';

export function activate(context: vscode.ExtensionContext): AzureDisksApi {
    // The pure modules (shared/, features' messages) translate through @vscode/l10n with VS Code's bundle.
    if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
    const channel = vscode.window.createOutputChannel('Azure Managed Disks', { log: true });
    const log = new ChannelLogger(channel);
    const telemetry = new Telemetry((m) => log.warn(m));
    const sessions = new SessionManager();
    const ui = new DelegatingUserInput(new VscodeUserInput());
    const grants = new MemoryGrantStore();
    const disks = new ArmDiskService(() => sessions.get(), { log: (m) => log.info(m) });
    const imports = new ArmImportService(() => sessions.get(), { log: (m) => log.info(m) });
    const services: Services = { context, log, ui, disks, grants, imports };
    const tree = new DisksTreeDataProvider(services, sessions);
    const ctx = createAppContext(
        { services, telemetry, tree, sessions, tracker: new DownloadTracker(), run: (id, handler) => runWithTelemetry(services, telemetry, id, handler, []) },
        (c) => ({ ...grantActions(c), ...downloadActions(c), ...deleteActions(c), ...snapshotActions(c), makeSnapshot: (actx, source, snapshot) => nested(actx, 'createSnapshot', () => makeSnapshot(c, source, snapshot)), showAccess: (ref) => panels.show(ref) }),
    );
    const panels = new AccessPanels(ctx);
    const register: Register = (id, handler) => registerCommand(services, telemetry, id, handler);
    const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
    tree.attachView(view);

    context.subscriptions.push(
        channel,
        telemetry,
        sessions,
        tree,
        view,
        ...registerAccount(ctx, register),
        ...registerGrant(ctx, register),
        ...registerAccess(ctx, panels, register),
        ...registerDownload(ctx, register),
        ...registerUpload(ctx, register),
        ...registerDelete(ctx, register),
        ...registerSnapshot(ctx, register),
        ...registerUpdate(ctx, register),
        ...registerCopy(ctx, register),
        ...registerImport(ctx, register),
        ...registerProperties(ctx, register),
        ...registerBrowse(ctx, register, { openVolumes, openBlobDevice, openImageDevice }),
    );
    void restoreWalkthrough(context);
    log.info(`Azure Managed Disks ${String(context.extension.packageJSON.version ?? '')} activated.`);

    const api: AzureDisksApi = { apiVersion: 1 };
    return testHooksEnabled() ? withTestHooks(api, ctx, ui) : api;
}

export function deactivate(): void {
    // Everything is disposed through context.subscriptions.
}
