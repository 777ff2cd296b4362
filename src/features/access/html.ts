/** Webview options and HTML for the access panel: a fresh crypto nonce per load, every asset through asWebviewUri. */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { buildHtml } from './htmlShell';

export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
    return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: webviewRoots(extensionUri), retainContextWhenHidden: false };
}

export function renderHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
    const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file)).toString();
    return buildHtml({
        cspSource: webview.cspSource,
        nonce: crypto.randomBytes(18).toString('base64'),
        scriptUri: asset('main.js'),
        styleUri: asset('main.css'),
        title,
        lang: vscode.env.language,
        l10nBundle: vscode.l10n.bundle,
        loading: vscode.l10n.t('Loading…'),
    });
}
