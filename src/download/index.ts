/** The access panel, Download, Show access, Copy SAS URI, and resuming downloads after a reload. */
import * as vscode from 'vscode';
import { Cmd } from '../constants';
import type { Services } from '../services';
import type { Telemetry } from '../telemetry/telemetry';
import { registerCommand } from '../commands/wrapper';
import { downloadCommand } from '../commands/download';
import { showAccessCommand } from '../commands/showAccess';
import { copySasCommand } from '../commands/copySas';
import { ACCESS_VIEW_TYPE, AccessPanels } from '../webview/accessPanel';
import { offerPendingResumes } from './resume';
import { trackerFor } from './tracker';

export function registerAccessFeatures(services: Services, telemetry: Telemetry): vscode.Disposable {
    const disposables: vscode.Disposable[] = [
        registerCommand(services, telemetry, Cmd.Download, (actx, arg?: unknown, options?: unknown) => downloadCommand(services, actx, arg, options)),
        registerCommand(services, telemetry, Cmd.ShowAccess, (actx, arg?: unknown) => showAccessCommand(services, actx, arg)),
        registerCommand(services, telemetry, Cmd.CopySasUri, (actx, arg?: unknown, blob?: unknown) => copySasCommand(services, actx, arg, blob)),
        vscode.window.registerWebviewPanelSerializer(ACCESS_VIEW_TYPE, {
            deserializeWebviewPanel: async (panel, state) => AccessPanels.restore(services, panel, state),
        }),
        new vscode.Disposable(() => {
            trackerFor(services).shutdown();
            AccessPanels.disposeAll();
        }),
    ];
    offerPendingResumes(services);
    return vscode.Disposable.from(...disposables);
}
