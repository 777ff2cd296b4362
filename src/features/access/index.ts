/** The access panel, Show Access and Copy SAS URI. */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { Register } from '../../platform/command';
import { Cmd } from '../../shared/constants';
import { ACCESS_VIEW_TYPE, AccessPanels } from './accessPanel';
import { copySasCommand } from './copySas';
import { showAccessCommand } from './showAccess';

export function registerAccess(ctx: AppContext, panels: AccessPanels, register: Register): vscode.Disposable[] {
    return [
        register(Cmd.ShowAccess, (actx, arg) => showAccessCommand(ctx, actx, arg)),
        register(Cmd.CopySasUri, (actx, arg, blob) => copySasCommand(ctx, actx, arg, blob)),
        vscode.window.registerWebviewPanelSerializer(ACCESS_VIEW_TYPE, {
            deserializeWebviewPanel: async (panel, state) => panels.restore(panel, state),
        }),
        panels,
    ];
}

export { AccessPanels };
