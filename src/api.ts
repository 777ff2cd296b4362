/** What activate() returns: for automation and the extension's own tests. */
import type * as vscode from 'vscode';
import type { UserInput } from './services';
import type { SentTelemetryEvent } from './telemetry/telemetry';

export interface AzureDisksApi {
    apiVersion: 1;
    /** Replaces every prompt and toast source (services.ui) until the returned disposable is disposed. */
    setUserInput(ui: UserInput): vscode.Disposable;
    treeDataProvider: vscode.TreeDataProvider<unknown>;
    /** Every telemetry event, exactly as handed to the reporter. */
    onDidSendTelemetry: vscode.Event<SentTelemetryEvent>;
}
