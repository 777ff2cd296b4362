/**
 * Read-only documents of a resource's ARM JSON, under their own scheme: VS Code shows them in an
 * editor that cannot be saved, and nothing is written to disk.
 */
import * as vscode from 'vscode';
import type { Services } from '../../platform/services';
import { renderProperties } from '../../shared/properties';
import type { DiskRef } from '../../shared/types';
import { refFromArg } from '../../wizard/diskArg';

export const PROPERTIES_SCHEME = 'azure-disks-properties';

/** `azure-disks-properties:/<name>.json?<ref>`: the name makes the tab readable and the language JSON. */
export function propertiesUri(ref: DiskRef): vscode.Uri {
    return vscode.Uri.from({ scheme: PROPERTIES_SCHEME, path: `/${ref.name}.json`, query: JSON.stringify(ref) });
}

function refFromUri(uri: vscode.Uri): DiskRef | undefined {
    try {
        return refFromArg(JSON.parse(uri.query));
    } catch {
        return undefined;
    }
}

export class PropertiesDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
    private readonly contents = new Map<string, string>();
    private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
    readonly onDidChange = this.emitter.event;
    private readonly closed: vscode.Disposable;

    constructor(private readonly services: Services) {
        this.closed = vscode.workspace.onDidCloseTextDocument((d) => {
            if (d.uri.scheme === PROPERTIES_SCHEME) this.contents.delete(d.uri.toString());
        });
    }

    /** Fetches the JSON now (so a failure reaches the command's error handling) and keeps it for the editor. */
    async load(ref: DiskRef, signal?: AbortSignal): Promise<vscode.Uri> {
        const uri = propertiesUri(ref);
        const text = renderProperties(await this.services.disks.getResourceJson(ref, signal));
        const had = this.contents.has(uri.toString());
        this.contents.set(uri.toString(), text);
        if (had) this.emitter.fire(uri);
        return uri;
    }

    async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
        const known = this.contents.get(uri.toString());
        if (known !== undefined) return known;
        // A tab restored after a reload: fetch again.
        const ref = refFromUri(uri);
        if (!ref) return '';
        const text = renderProperties(await this.services.disks.getResourceJson(ref));
        this.contents.set(uri.toString(), text);
        return text;
    }

    dispose(): void {
        this.closed.dispose();
        this.emitter.dispose();
        this.contents.clear();
    }
}
