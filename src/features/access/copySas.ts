/** azureDisks.copySasUri: copy one of the grant's SAS URLs to the clipboard, without showing it. */
import * as vscode from 'vscode';
import type { AppContext } from '../../app/context';
import { UserCancelledError } from '../../shared/cancel';
import type { ActionContext } from '../../platform/command';
import { resolveDisk } from '../../wizard/diskArg';
import { blobsToDownload } from '../../shared/grants';
import { BLOB_LABELS, isBlobKind, type BlobKind } from '../../shared/types';
import { maskSasUrl } from '../../shared/secrets';

export async function copySasCommand({ services }: AppContext, actx: ActionContext, arg?: unknown, blobArg?: unknown): Promise<void> {
    const { ref } = await resolveDisk(services, arg, { filter: (d) => !!services.grants.get(d.id) });
    const grant = services.grants.get(ref.id);
    if (!grant) throw new Error(vscode.l10n.t('There is no active access grant for {0} in this window. Grant access first.', ref.name));
    if (grant.expiresAt.getTime() <= Date.now()) throw new Error(vscode.l10n.t('The access to {0} has expired. Grant access again.', ref.name));
    const kinds = blobsToDownload(grant.urls);
    let blob: BlobKind | undefined = isBlobKind(blobArg) && kinds.includes(blobArg) ? blobArg : undefined;
    if (!blob && kinds.length === 1) blob = kinds[0];
    if (!blob) {
        const pick = await services.ui.showQuickPick(
            kinds.map((k) => ({ label: BLOB_LABELS[k], description: maskSasUrl(grant.urls[k]!), blob: k })),
            { title: vscode.l10n.t('Copy which SAS URI of {0}?', ref.name) },
        );
        if (!pick) throw new UserCancelledError('blob');
        blob = pick.blob;
    }
    await vscode.env.clipboard.writeText(grant.urls[blob]!);
    actx.telemetry.properties.blob = blob;
    void services.ui.showInformationMessage(vscode.l10n.t('Copied the {0} SAS URI of {1}. It expires {2}.', BLOB_LABELS[blob], ref.name, grant.expiresAt.toLocaleString()));
}
