/** Composition: log, telemetry, sign-in, disk service, tree, commands. */
import * as vscode from 'vscode';
import type { AzureDisksApi } from './api';
import { ArmDiskService } from './azure/diskService';
import { MemoryGrantStore } from './azure/grantStore';
import { SessionManager } from './azure/sessionManager';
import { grantAccess, type GrantOptions } from './commands/grant/grantAccess';
import { refresh, retryLoad, selectSubscriptions, showLog, signIn } from './commands/misc';
import { revokeAccess } from './commands/revokeAccess';
import { registerCommand } from './commands/wrapper';
import type { Core } from './commands/core';
import { Cmd, VIEW_ID } from './constants';
import { registerAccessFeatures } from './download/index';
import { offerPendingResumes } from './download/resume';
import { trackerFor } from './download/tracker';
import { ChannelLogger } from './log';
import type { Services, UserInput } from './services';
import { Telemetry } from './telemetry/telemetry';
import { DisksTreeDataProvider } from './tree/treeProvider';
import { DelegatingUserInput, VscodeUserInput } from './ui/vscodeUserInput';

export function activate(context: vscode.ExtensionContext): AzureDisksApi {
    const channel = vscode.window.createOutputChannel('Azure Managed Disks', { log: true });
    const log = new ChannelLogger(channel);
    const telemetry = new Telemetry((m) => log.warn(m));
    const sessions = new SessionManager();
    const realUi = new VscodeUserInput();
    const ui = new DelegatingUserInput(realUi);
    const grants = new MemoryGrantStore();
    const disks = new ArmDiskService(() => sessions.get(), { log: (m) => log.info(m) });
    const services: Services = { context, log, ui, disks, grants };
    const tree = new DisksTreeDataProvider(services, sessions);
    const core: Core = { services, telemetry, tree, sessions };
    const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });

    context.subscriptions.push(
        channel,
        telemetry,
        sessions,
        tree,
        view,
        registerCommand(services, telemetry, Cmd.GrantAccess, (actx, arg?: unknown, options?: GrantOptions) => grantAccess(core, actx, arg, options)),
        registerCommand(services, telemetry, Cmd.RevokeAccess, (actx, arg?: unknown) => revokeAccess(core, actx, arg)),
        registerCommand(services, telemetry, Cmd.Refresh, (actx, node?: unknown) => refresh(core, actx, node)),
        registerCommand(services, telemetry, Cmd.SelectSubscriptions, (actx) => selectSubscriptions(core, actx)),
        registerCommand(services, telemetry, Cmd.SignIn, (actx) => signIn(core, actx)),
        registerCommand(services, telemetry, Cmd.ShowLog, () => showLog(core)),
        registerCommand(services, telemetry, Cmd.RetryLoad, (actx, node?: unknown) => retryLoad(core, actx, node)),
        registerAccessFeatures(services, telemetry),
    );
    log.info(`Azure Managed Disks ${String(context.extension.packageJSON.version ?? '')} activated.`);

    return {
        apiVersion: 1,
        setUserInput(next: UserInput): vscode.Disposable {
            const previous = ui.target;
            ui.target = next;
            return new vscode.Disposable(() => {
                if (ui.target === next) ui.target = previous;
            });
        },
        treeDataProvider: tree,
        onDidSendTelemetry: telemetry.onDidSendEvent,
        testing: {
            cancelDownloads: (diskId) => trackerFor(services).cancel(diskId),
            closeWindow: () => trackerFor(services).shutdown(),
            reopenWindow: () => {
                trackerFor(services).shuttingDown = false;
                for (const g of grants.all()) grants.delete(g.ref.id);
                offerPendingResumes(services);
            },
        },
    };
}

export function deactivate(): void {
    // Everything is disposed through context.subscriptions.
}
