/** Show Properties (the resource's ARM JSON, read-only) and Open in Portal. */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import type { ActionContext, Register } from '../../platform/command';
import { hashId } from '../../platform/telemetryMask';
import { Cmd } from '../../shared/constants';
import { DiskError } from '../../shared/errors';
import { portalUrl } from '../../shared/portal';
import { resolveDisk } from '../../wizard/diskArg';
import { PROPERTIES_SCHEME, PropertiesDocuments } from './document';

async function showProperties(ctx: AppContext, docs: PropertiesDocuments, actx: ActionContext, arg: unknown): Promise<void> {
    const { ref } = await resolveDisk(ctx.services, arg, { placeHolder: vscode.l10n.t('Select a disk or snapshot to show its properties') });
    actx.telemetry.properties.kind = ref.kind;
    actx.telemetry.properties.diskIdHash = hashId(ref.id);
    actx.errorContext = { operation: 'get', diskName: ref.name };
    const uri = await docs.load(ref);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'json') await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(doc, { preview: true });
}

async function openInPortal(ctx: AppContext, actx: ActionContext, arg: unknown): Promise<void> {
    const { ref } = await resolveDisk(ctx.services, arg, { placeHolder: vscode.l10n.t('Select a disk or snapshot to open in the portal') });
    const { cloud } = await ctx.sessions.get();
    actx.telemetry.properties.kind = ref.kind;
    actx.telemetry.properties.cloud = cloud.name;
    const url = portalUrl(cloud, ref.tenantId, ref.id);
    if (!url) {
        const refused = new DiskError(
            'PortalUnknown',
            vscode.l10n.t('The portal of this custom cloud is not known, so {0} cannot be opened in it.', ref.name),
            vscode.l10n.t('Add "portalEndpoint" (for example https://portal.local.azurestack.external) to the setting azureDisks.customCloud.'),
        );
        // The fix is one setting away: the message opens it (the log still gets the failure).
        actx.errorHandled = true;
        const open = vscode.l10n.t('Open Settings');
        void ctx.services.ui.showErrorMessage(`${refused.message} ${refused.nextStep ?? ''}`.trim(), open).then((choice) => {
            // The extension's cloud settings: azureDisks.cloud and azureDisks.customCloud (where portalEndpoint goes).
            if (choice === open) void vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${ctx.services.context.extension.id} cloud`);
        }, () => undefined);
        throw refused;
    }
    ctx.services.log.info(`Opening ${ref.kind} ${ref.name} in the portal.`);
    await vscode.env.openExternal(vscode.Uri.parse(url, true));
}

export function registerProperties(ctx: AppContext, register: Register): vscode.Disposable[] {
    const docs = new PropertiesDocuments(ctx.services);
    return [
        docs,
        vscode.workspace.registerTextDocumentContentProvider(PROPERTIES_SCHEME, docs),
        register(Cmd.ShowProperties, (actx, arg) => showProperties(ctx, docs, actx, arg)),
        register(Cmd.OpenInPortal, (actx, arg) => openInPortal(ctx, actx, arg)),
    ];
}
